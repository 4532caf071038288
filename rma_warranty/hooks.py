# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging
import time

_logger = logging.getLogger(__name__)


def post_init_hook(env):
    """Installing on a database with data: every existing warehouse becomes a
    possible service centre, every company gets its RMA numbering and a default
    warranty policy, and every serial already delivered gets its standard warranty."""
    env["stock.warehouse"].search([])._rma_setup_missing()
    env["res.company"].search([])._rma_create_sequences()
    env["res.company"].with_context(active_test=False).search([])._rma_create_aliases()
    default_policy = env.ref("rma_warranty.rma_warranty_policy_default")
    env["res.company"].with_context(active_test=False).search(
        [("rma_warranty_policy_id", "=", False)]
    ).write({"rma_warranty_policy_id": default_policy.id})
    started = time.monotonic()
    covered = env["stock.lot"]._warranty_backfill()
    _logger.info(
        "rma_warranty: standard warranty of %s delivered serials in %.1f s",
        covered,
        time.monotonic() - started,
    )
