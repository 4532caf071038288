from . import rma_order_reject
from . import rma_entitlement_override
from . import rma_warranty_code_generate
from . import rma_warranty_code_redeem
from . import rma_order_release
from . import rma_warranty_void_lift
from . import rma_order_solve  # issue 14: solved without return
from . import rma_order_goodwill  # Goodwill coupons (issue 17)
