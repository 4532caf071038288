from . import rma_order_reject
