# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging
import time

_logger = logging.getLogger(__name__)


def post_init_hook(env):
    """Installing on a database with data: every existing warehouse becomes a
    possible service centre, every company gets its RMA numbering, its default
    after-sales team (with the RMA email alias) and a default warranty policy,
    and every serial already delivered gets its standard warranty."""
    env["stock.warehouse"].search([])._rma_setup_missing()
    env["res.company"].search([])._rma_create_sequences()
    # Teams (issue 17): each company's default team, which owns its RMA alias.
    env["res.company"].with_context(active_test=False).search([])._rma_create_teams()
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


# Models whose records in the addon's data files are the addon's own definitions
# (besides every ir.* model: views, menus, actions, rules, crons...): an uninstall
# deletes them with the addon.
UNINSTALL_DELETES = frozenset({"res.groups", "mail.template", "mail.activity.type"})


def uninstall_hook(env):
    """Uninstalling leaves the company's records as they are.

    Odoo's uninstall deletes, one by one through the ORM, every record that has an
    xml id of the addon. Two kinds must not go that way:

    - records of core models our data and demo files made (products, partners,
      users, serials, quants, sale orders, calendars, the alias domain): they are
      the company's now; sale lines, moves and invoices point at them, and
      deleting them (or the quants) would change stock and sales;
    - records of our own models: their tables are dropped with the models, and
      unlinking them first recomputes core records that depend on them (the
      descriptions of repair-quote lines lose their serial number).

    Their xml ids of the addon are removed, so Odoo keeps the former and drops
    the latter with their tables; our definitions (``ir.*`` records, groups,
    mail templates, activity types) are still deleted by Odoo.
    """
    ours = [
        name
        for name, model in env.registry.items()
        if model._original_module == "rma_warranty"
    ]
    # Activities on our records go with them (mail deletes them with the models),
    # first, so that our activity types can go too.
    env["mail.activity"].search([("res_model", "in", ours)]).unlink()
    data = env["ir.model.data"].search([("module", "=", "rma_warranty")])
    activity_types = data.filtered(lambda d: d.model == "mail.activity.type")
    # Our activity types still planned on core records (on-site visits on repair
    # orders) stay, with those activities.
    in_use = set(
        env["mail.activity"]
        .search([("activity_type_id", "in", activity_types.mapped("res_id"))])
        .activity_type_id.ids
    )
    kept = data.filtered(
        lambda d: (
            (not d.model.startswith("ir.") and d.model not in UNINSTALL_DELETES)
            or (d in activity_types and d.res_id in in_use)
        )
    )
    _logger.info(
        "rma_warranty uninstall: %s records keep existing without an xml id "
        "(core records) or go with their tables (ours)",
        len(kept),
    )
    kept.unlink()
