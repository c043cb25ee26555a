from . import alert
