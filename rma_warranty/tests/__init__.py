from . import test_install
from . import test_settings_tour
from . import test_rma_flow
