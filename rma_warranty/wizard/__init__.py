from . import rma_order_reject
from . import rma_entitlement_override
