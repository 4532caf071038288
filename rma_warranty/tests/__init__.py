from . import test_install
from . import test_settings_tour
from . import test_rma_flow
from . import test_rma_performance
from . import test_rma_concurrency
from . import test_rma_backend_tour
from . import test_rma_access
from . import test_demo_data
from . import test_demo_repairs
from . import test_rma_mail_report
from . import test_warranty_engine
from . import test_warranty_code
from . import test_warranty_code_concurrency
from . import test_warranty_extension_sale
from . import test_warranty_certificate
from . import test_warranty_screens
from . import test_repair_flow
from . import test_repair_concurrency
from . import test_repair_service_report
from . import test_issue11_money
from . import test_issue11_money_tour
from . import test_issue11_money_report
from . import test_issue11_money_release
from . import test_issue11_money_refund
from . import test_issue11_engine
from . import test_issue11_access
from . import test_issue11_access_codes
from . import test_issue11_access_quotes
from . import test_issue11_access_views
from . import test_issue11_intake_types
from . import test_issue11_intake_mail
from . import test_issue11_intake_throttle
from . import test_issue11_links
from . import test_issue11_links_names
from . import test_issue11_links_screens
from . import test_portal_rma
from . import test_portal_rma_pages
from . import test_portal_units
from . import test_portal_request
from . import test_portal_check_rate_limit
from . import test_portal_check
from . import test_demo_portal
from . import test_portal_signup
from . import test_portal_register_reseller
from . import test_portal_extension
from . import test_portal_quote
from . import test_portal_rating
from . import test_portal_matrix
from . import test_portal_journey
from . import test_issue13_views

# ---- after-sales analytics (issue 14) ----
from . import test_issue14_analytics
from . import test_issue14_analytics_tour

# issue 14: complaints and disputes, solved without return
from . import test_issue14_complaint
from . import test_issue14_complaint_mail
from . import test_issue14_complaint_portal
from . import test_issue14_complaint_concurrency

# Service levels (issue 14)
from . import test_issue14_sla
from . import test_issue14_sla_concurrency
from . import test_issue14_sla_repair
from . import test_issue14_sla_portal
from . import test_issue14_wiring

# Distributor channel (issue 14)
from . import test_issue14_channel
from . import test_issue14_channel_mail
from . import test_issue14_channel_portal
from . import test_issue14_region

# Warranty upgrade on registration (issue 15)
from . import test_issue15_upgrade

# Advance replacement (issue 15)
from . import test_issue15_advance
from . import test_issue15_advance_concurrency

# On-site repair (issue 15)
from . import test_issue15_onsite
from . import test_issue15_onsite_concurrency
from . import test_issue15_onsite_tour
from . import test_issue15_spares  # Spare parts (issue 15)

# Paid swap (issue 15)
from . import test_issue15_swap
from . import test_issue15_swap_portal
from . import test_issue15_swap_concurrency

# ---- issue 16, adoption at scale: backfill in the database ----
from . import test_issue16_adoption

# Scale-out: readonly routes, no session state (issue 16, task "scaleout")
from . import test_issue16_scaleout

# issue 16, load run (task "load"): hot rate-limit counters.
from . import test_issue16_load

# issue 16: indexes of the lifecycle's lookups (integration)
from . import test_issue16_indexes

# Deferred customer emails (issue 16, task "mails")
from . import test_issue16_mail_queue

# Where the lifecycle's time goes (issue 16, flowtime)
from . import test_issue16_flowtime

# Return reasons (issue 17, task "reasons")
from . import test_issue17_reasons
from . import test_issue17_reasons_portal
from . import test_issue17_reasons_tour
from . import test_issue17_sla
from . import test_issue17_sla_portal
from . import test_issue17_followup  # follow-up RMA (issue 17)

# Closing by the customer and on inactivity (issue 17, task "closing")
from . import test_issue17_closing
from . import test_issue17_closing_portal
from . import test_issue17_closing_concurrency

# Intake checklist per product category (issue 17, checklist)
from . import test_issue17_checklist

# Goodwill coupons (issue 17, task "coupon")
from . import test_issue17_coupon
from . import test_issue17_coupon_concurrency

# Teams (issue 17)
from . import test_issue17_teams
