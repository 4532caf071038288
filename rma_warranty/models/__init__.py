from . import rma_decision_mixin
from . import res_company
from . import res_partner
from . import res_config_settings
from . import stock_warehouse
from . import rma_warranty_component
from . import rma_warranty_policy
from . import rma_warranty_policy_component
from . import rma_warranty_coverage
from . import rma_warranty_void
from . import rma_warranty_registration
from . import product_category
from . import product_template
from . import product_product
from . import stock_lot
from . import rma_damage_level
from . import rma_repair_tariff
from . import rma_repair_tariff_line
from . import rma_mail_throttle
from . import rma_rate_limit
from . import mail_thread
from . import rma_order
from . import rma_order_line
from . import stock_move
from . import stock_move_line
from . import stock_picking
from . import stock_scrap
from . import account_move
from . import account_move_line
from . import sale_order
from . import rma_warranty_code
from . import sale_order_line
from . import repair_order
from . import payment_transaction
from . import rma_complaint  # issue 14: complaints and disputes

# Service levels (issue 14)
from . import rma_sla_step
from . import rma_region_mixin
from . import rma_transit_rule
from . import rma_distributor_rule  # Distributor channel (issue 14)
from . import rma_spare_part  # Spare parts (issue 15)
from . import rma_mail_queue  # Deferred customer emails (issue 16)
from . import rma_reason  # Return reasons (issue 17)
from . import rma_intake_question  # Intake checklist (issue 17)
from . import rma_intake_answer  # Intake checklist (issue 17)
from . import loyalty_program  # Goodwill coupons (issue 17)
from . import loyalty_card  # Goodwill coupons (issue 17)
from . import rma_team  # Teams (issue 17)
