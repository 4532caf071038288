from . import report_rma_order
from . import report_rma_service

# ---- after-sales analytics (issue 14) ----
from . import rma_report_failure
from . import rma_report_unit
from . import rma_report_dashboard
