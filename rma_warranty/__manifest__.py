# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "RMA & Warranty",
    "summary": "After-sales: warranty per serial, RMAs, repairs, extensions, portal",
    "version": "18.0.1.2.0",
    "category": "Inventory/After-Sales",
    "author": "rma_warranty contributors",
    "license": "LGPL-3",
    "application": True,
    "depends": [
        "stock",
        "sale_stock",
        "stock_delivery",
        "repair",
        "account",
        "portal",
        "rating",
        "portal_rating",
        "sale_loyalty",  # goodwill coupons (issue 17)
    ],
    "data": [
        "security/rma_warranty_security.xml",
        "security/ir.model.access.csv",
        # ---- after-sales analytics (issue 14) ----
        "security/rma_report_security.xml",
        "security/rma_complaint_security.xml",  # issue 14: complaints
        "report/rma_order_reports.xml",
        "report/rma_order_templates.xml",
        "report/stock_lot_reports.xml",
        "report/stock_lot_templates.xml",
        "data/mail_template_data.xml",
        "data/mail_template_repair_data.xml",
        "data/rma_warranty_policy_data.xml",
        "data/rma_damage_level_data.xml",
        "data/mail_activity_type_data.xml",
        # issue 14: complaints and solved without return
        "data/mail_template_complaint_data.xml",
        "data/rma_complaint_data.xml",
        "views/res_config_settings_views.xml",
        "views/res_partner_views.xml",
        "views/rma_order_views.xml",
        "views/rma_order_line_views.xml",
        "views/stock_picking_views.xml",
        "views/sale_order_views.xml",
        "views/repair_order_views.xml",
        "views/account_move_views.xml",
        "wizard/rma_order_reject_views.xml",
        "wizard/rma_order_release_views.xml",
        "wizard/rma_entitlement_override_views.xml",
        "wizard/rma_warranty_void_lift_views.xml",
        "views/rma_warranty_menus.xml",
        # ---- after-sales analytics (issue 14) ----
        "views/rma_report_failure_views.xml",
        "views/rma_report_unit_views.xml",
        "views/rma_report_dashboard_views.xml",
        # issue 14: complaints and solved without return
        "views/rma_complaint_views.xml",
        "wizard/rma_order_solve_views.xml",
        "wizard/rma_warranty_code_generate_views.xml",
        "wizard/rma_warranty_code_redeem_views.xml",
        "views/rma_warranty_code_views.xml",
        "views/product_template_views.xml",
        "views/stock_lot_views.xml",
        "views/rma_warranty_coverage_views.xml",
        "views/rma_warranty_registration_views.xml",
        "views/rma_warranty_policy_views.xml",
        "views/rma_warranty_component_views.xml",
        "views/product_category_views.xml",
        "views/rma_repair_tariff_views.xml",
        "views/rma_portal_templates.xml",
        "views/warranty_check_templates.xml",
        "views/stock_lot_portal_templates.xml",
        "views/rma_portal_request_templates.xml",
        "views/sale_order_portal_templates.xml",
        # issue 14: complaints (inherit the RMA and quote portal pages above)
        "views/rma_complaint_portal_templates.xml",
        # Service levels (issue 14)
        "security/rma_sla_security.xml",
        "data/ir_cron_data.xml",
        "views/stock_warehouse_views.xml",
        "views/rma_transit_rule_views.xml",
        "views/rma_sla_step_views.xml",
        # Distributor channel (issue 14)
        "data/mail_template_distributor_data.xml",
        "views/rma_distributor_rule_views.xml",
        "views/rma_order_distributor_views.xml",
        "views/rma_distributor_portal_templates.xml",
        # Advance replacement (issue 15)
        "data/mail_template_advance_data.xml",
        "data/ir_cron_advance_data.xml",
        # On-site repair (issue 15)
        "data/mail_template_onsite_data.xml",
        # Spare parts (issue 15)
        "security/rma_spare_part_security.xml",
        "views/rma_spare_part_views.xml",
        "views/rma_spare_part_portal_templates.xml",
        "data/mail_template_swap_data.xml",  # paid swap (issue 15)
        # Deferred customer emails (issue 16)
        "security/rma_mail_queue_security.xml",
        "data/ir_cron_mail_queue_data.xml",
        "views/rma_mail_queue_views.xml",
        # Return reasons (issue 17)
        "security/rma_reason_security.xml",
        "views/rma_reason_views.xml",
        "views/rma_reason_inherit_views.xml",
        "views/rma_reason_portal_templates.xml",
        # Priority and paused clocks (issue 17)
        "views/rma_order_priority_views.xml",
        "views/rma_order_priority_portal_templates.xml",
        "views/rma_followup_views.xml",  # follow-up RMA (issue 17)
        "views/rma_followup_portal_templates.xml",  # follow-up RMA (issue 17)
        # Closing by the customer and on inactivity (issue 17)
        "data/mail_template_inactivity_data.xml",
        "data/ir_cron_inactivity_data.xml",
        "views/rma_inactivity_views.xml",
        "views/rma_closing_portal_templates.xml",
        # Intake checklist (issue 17)
        "security/rma_intake_security.xml",
        "views/rma_intake_question_views.xml",
        "views/rma_intake_portal_templates.xml",
        # Goodwill coupons (issue 17)
        "data/loyalty_program_data.xml",
        "data/mail_template_goodwill_data.xml",
        "wizard/rma_order_goodwill_views.xml",
        "views/rma_order_goodwill_views.xml",
        "views/rma_goodwill_portal_templates.xml",
        # Teams (issue 17)
        "security/rma_team_security.xml",
        "views/rma_team_views.xml",
        "views/rma_order_team_views.xml",
    ],
    "demo": [
        "demo/mail_alias_domain_demo.xml",
        "demo/res_users_demo.xml",
        "demo/rma_warranty_policy_demo.xml",
        "demo/product_demo.xml",
        "demo/warranty_extension_demo.xml",
        "demo/sale_order_demo.xml",
        "demo/rma_warranty_registration_demo.xml",
        "demo/rma_warranty_code_demo.xml",
        "demo/rma_demo.xml",
        "demo/rma_repair_demo.xml",
        "demo/rma_portal_quote_demo.xml",
        # ---- after-sales analytics (issue 14) ----
        "demo/rma_analytics_demo.xml",
        "demo/rma_complaint_demo.xml",  # issue 14
        "demo/rma_sla_demo.xml",  # service levels (issue 14)
        # Distributor channel (issue 14)
        "demo/rma_distributor_demo.xml",
        "demo/rma_advance_demo.xml",  # advance replacement (issue 15)
        # On-site repair (issue 15)
        "demo/rma_onsite_demo.xml",
        "demo/rma_spare_part_demo.xml",  # Spare parts (issue 15)
        "demo/rma_swap_demo.xml",  # paid swap (issue 15)
        "demo/rma_followup_demo.xml",  # follow-up RMA (issue 17)
        "demo/rma_inactivity_demo.xml",  # closing on inactivity (issue 17)
        "demo/rma_goodwill_demo.xml",  # goodwill coupons (issue 17)
        "demo/rma_reason_demo.xml",  # return reasons (issue 17)
        "demo/rma_priority_demo.xml",  # priority and paused clocks (issue 17)
        "demo/rma_intake_demo.xml",  # intake checklist (issue 17)
        "demo/rma_team_demo.xml",  # teams (issue 17)
        "demo/rma_mail_queue_demo.xml",  # deferred emails (issue 16), last
    ],
    "assets": {
        "web.assets_frontend": ["rma_warranty/static/src/js/portal_request.js"],
        # After-sales analytics (issue 14).
        "web.assets_backend": ["rma_warranty/static/src/dashboard/*"],
        "web.assets_tests": ["rma_warranty/static/tests/tours/*.js"],
    },
    "post_init_hook": "post_init_hook",
    "uninstall_hook": "uninstall_hook",
}
