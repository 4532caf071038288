from . import report_rma_order
from . import report_rma_service
