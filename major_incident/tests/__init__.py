from . import test_timing
from . import test_phone
from . import test_state_machine
from . import test_declare_wizard
from . import test_policy_data
from . import test_access
