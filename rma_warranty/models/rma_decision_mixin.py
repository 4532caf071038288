# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models
from odoo.exceptions import AccessError, UserError
from odoo.tools.misc import clean_context

from ..locking import lock_rows_nowait


class RmaDecisionMixin(models.AbstractModel):
    """Fields that carry a decision change only through the action deciding them.

    A model lists them in ``_rma_decision_fields`` and names, in
    ``_rma_decision_message``, the action that decides each one. ``write()``
    refuses them, and ``create()`` refuses any value other than their default,
    unless the environment is superuser: RPC, imports and forms are refused
    whatever their context, which the caller controls. The actions write them
    through ``_write_decision`` once they decided: it checks the user's own right
    to write the records, then writes in sudo, which keeps ``env.uid`` so that
    tracking and ``write_uid`` still name the user.
    """

    _name = "rma.decision.mixin"
    _description = "Fields Written by Their Actions Only"

    # Names of the decision fields of the model.
    _rma_decision_fields = frozenset()

    # ---- CRUD -----------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        if self.env.su:
            return super().create(vals_list)
        # The context is the caller's too: its defaults of decision fields are
        # ignored, so that these fields get their own defaults.
        context = {
            key: value
            for key, value in self.env.context.items()
            if not (
                key.startswith("default_")
                and key[len("default_") :] in self._rma_decision_fields
            )
        }
        model = self
        if len(context) < len(self.env.context):
            # The same environment, without those keys.
            model = self.with_env(self.env(context=context))
        model._check_decision_create(vals_list)
        return super(RmaDecisionMixin, model).create(vals_list)

    def write(self, vals):
        if not self.env.su:
            self._check_decision_vals(vals.keys())
        return super().write(vals)

    # ---- Business methods -----------------------------------------------------------

    def _write_decision(self, vals):
        """Write ``vals``, decision fields included, on ``self``.

        Invoked by the actions and business methods that decide those values (after
        their own checks), never with values received from outside. The caller's
        right to write ``self`` is checked here, so that nobody writes through it
        what they could not write at all.
        """
        if not self:
            return True
        self.check_access("write")
        # decision field: only its action writes it (see _write_decision)
        # sudo: the user may write these records (checked above) and the caller
        # decided the values; env.uid stays, so tracking names the user.
        return self.sudo().write(vals)

    @api.model
    def _create_decision(self, vals_list):
        """Create records whose decision fields the caller decided.

        Invoked by the business methods that make such records (repair quotes
        linked to their unit), never with values received from outside. The
        user's right to create them is checked before, and the record rules on the
        new records after, as ``create()`` itself would.
        """
        if not vals_list:
            return self.browse()
        self.check_access("create")
        # decision field: only its action writes it (see _write_decision)
        # sudo: the user may create these records (checked above and below).
        records = self.sudo().create(vals_list).with_env(self.env)
        records.check_access("create")
        return records

    def _rma_decision_message(self, fname):
        """The sentence that names the action deciding ``fname`` (overridden by
        each model)."""
        return self.env._(
            "%(field)s changes only through the action that decides it.",
            field=self._fields[fname]._description_string(self.env),
        )

    def _check_decision_vals(self, fnames):
        """Refuse a direct write of decision fields: say which action to use."""
        refused = [fname for fname in fnames if fname in self._rma_decision_fields]
        if refused:
            raise AccessError(
                "\n".join(dict.fromkeys(self._rma_decision_message(f) for f in refused))
            )

    def _check_decision_create(self, vals_list):
        """A new record may say nothing of its decisions but their defaults (what
        the form or an import would give anyway)."""
        given = {f for vals in vals_list for f in vals} & self._rma_decision_fields
        if not given:
            return
        defaults = self.default_get(list(given))
        self._check_decision_vals(
            {
                fname
                for vals in vals_list
                for fname in given & vals.keys()
                if (vals[fname] or defaults.get(fname))
                and vals[fname] != defaults.get(fname)
            }
        )

    # ---- Exactly-once actions -------------------------------------------------------

    def _lock_in_state(self, states, message):
        """Lock the rows of ``self`` and check their state, for exactly-once actions
        (of a model with ``name`` and ``state`` fields: RMAs, complaints).

        ``message`` is the caller's whole translated sentence refusing the records in
        another state, with the placeholders ``%(refs)s`` (their references) and
        ``%(states)s`` (their states), e.g. ``self.env._("Cannot approve %(refs)s in
        state %(states)s.")``: one sentence per action, for translators.

        A concurrent transaction holding the lock (or having changed the row since
        this one started) makes this one fail at once rather than act a second time
        on a state it did not see. The state is read again after the lock, so a
        double click on an already-done action is refused.

        Returns the records without the ``default_*`` keys of the caller's context: the
        web client sends the context of the form's action with every button, and
        the form opened by Create RMA carries ``default_line_ids``,
        ``default_partner_id``... that the receipts, credit notes, deliveries and
        quotes these actions create must not take (as ``clean_context`` does in
        ``repair``'s ``stock.picking`` actions).
        """
        if not self:
            return self
        self.check_access("write")
        lock_rows_nowait(self, self._rma_lock_busy_message)
        self.invalidate_recordset(["state"])
        wrong = self.filtered(lambda record: record.state not in states)
        if wrong:
            labels = dict(self._fields["state"]._description_selection(self.env))
            raise UserError(
                message
                % {
                    "refs": ", ".join(wrong.mapped("name")),
                    "states": ", ".join({labels[s] for s in wrong.mapped("state")}),
                }
            )
        # A new context on purpose: keys are removed, which kwargs cannot do.
        return self.with_context(clean_context(self.env.context))  # pylint: disable=context-overridden

    def _rma_lock_busy_message(self):
        """The sentence of ``_lock_in_state`` when another transaction holds these
        records; may be overridden with the model's own words."""
        return self.env._(
            "Someone else is changing this record right now. Reload it and try again."
        )
