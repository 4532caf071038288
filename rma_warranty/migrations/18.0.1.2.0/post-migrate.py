# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Teams (issue 17): each company's default team takes over the company's RMA
request alias (``res_company.rma_alias_id`` of 18.0.1.1.0): the same alias record
and name, so mail sent to the company's address keeps becoming requests."""

from odoo import SUPERUSER_ID, api
from odoo.tools.sql import column_exists


def migrate(cr, version):
    aliases = {}
    if column_exists(cr, "res_company", "rma_alias_id"):
        cr.execute(
            "SELECT id, rma_alias_id FROM res_company WHERE rma_alias_id IS NOT NULL"
        )
        aliases = dict(cr.fetchall())
    env = api.Environment(cr, SUPERUSER_ID, {})
    env["res.company"].with_context(active_test=False).search([])._rma_create_teams(
        aliases
    )
    if column_exists(cr, "res_company", "rma_alias_id"):
        # The field is gone; its column (a restricting foreign key) would keep the
        # aliases from ever being deleted.
        cr.execute("ALTER TABLE res_company DROP COLUMN rma_alias_id")
