# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "RMA & Warranty",
    "summary": "After-sales: warranty per serial, RMAs, repairs, extensions, portal",
    "version": "18.0.1.0.0",
    "category": "Inventory/After-Sales",
    "author": "rma_warranty contributors",
    "license": "LGPL-3",
    "application": True,
    "depends": ["stock", "sale_stock", "repair", "account", "portal"],
    "data": [
        "security/rma_warranty_security.xml",
        "views/res_config_settings_views.xml",
        "views/rma_warranty_menus.xml",
    ],
    "demo": ["demo/res_users_demo.xml"],
    "assets": {
        "web.assets_tests": ["rma_warranty/static/tests/tours/*.js"],
    },
    "installable": True,
}
