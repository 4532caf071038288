from . import report_rma_order
