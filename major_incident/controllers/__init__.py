from . import alert
from . import ticket_close
