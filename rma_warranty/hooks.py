# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).


def post_init_hook(env):
    """Installing on a database with data: every existing warehouse becomes a
    possible service centre and every company gets its RMA numbering."""
    env["stock.warehouse"].search([])._rma_setup_missing()
    env["res.company"].search([])._rma_create_sequences()
    env["res.company"].with_context(active_test=False).search([])._rma_create_aliases()
