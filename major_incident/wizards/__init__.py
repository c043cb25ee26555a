from . import major_incident_declare_wizard
from . import major_incident_dismiss_wizard
from . import major_incident_pause_wizard
from . import major_incident_update_wizard
from . import major_incident_bridge_wizard
from . import major_incident_alert_token_show
from . import major_incident_link_wizard
