# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import float_repr


class RmaIntakeAnswer(models.Model):
    """The answer to an intake question (``rma.intake.question``) for one unit
    of an RMA (issue 17): given by the customer on the portal request form, or
    by staff on the unit. ``value_display`` holds it as text, whatever its type,
    for the lists and the search ("firmware 2.1")."""

    _name = "rma.intake.answer"
    _description = "RMA Intake Answer"
    _order = "line_id, sequence, id"
    _rec_name = "question_id"

    line_id = fields.Many2one(
        comodel_name="rma.order.line",
        string="Unit",
        required=True,
        index=True,
        ondelete="cascade",
    )
    order_id = fields.Many2one(
        related="line_id.order_id", store=True, index=True, string="RMA"
    )
    company_id = fields.Many2one(related="line_id.company_id", store=True)
    question_id = fields.Many2one(
        comodel_name="rma.intake.question",
        required=True,
        index=True,
        ondelete="restrict",
    )
    sequence = fields.Integer(related="question_id.sequence", store=True)
    answer_type = fields.Selection(related="question_id.answer_type")
    value_text = fields.Char(string="Text Answer")
    value_yes_no = fields.Selection(
        selection=[("yes", "Yes"), ("no", "No")], string="Yes / No"
    )
    value_number = fields.Float(string="Number")
    value_photo = fields.Binary(string="Photo", attachment=True)
    value_photo_name = fields.Char(string="Photo Name")
    value_display = fields.Char(
        string="Answer",
        compute="_compute_value_display",
        store=True,
        index="trigram",
    )

    _sql_constraints = [
        (
            "line_question_unique",
            "UNIQUE(line_id, question_id)",
            "A unit answers each question once.",
        )
    ]

    @api.depends(
        "question_id.answer_type",
        "value_text",
        "value_yes_no",
        "value_number",
        "value_photo_name",
    )
    def _compute_value_display(self):
        yes_no = dict(self._fields["value_yes_no"]._description_selection(self.env))
        for answer in self:
            kind = answer.question_id.answer_type
            if kind == "yes_no":
                answer.value_display = yes_no.get(answer.value_yes_no, "")
            elif kind == "number":
                # The number as typed: 2.1, not 2.100000.
                text = float_repr(answer.value_number, 6).rstrip("0").rstrip(".")
                answer.value_display = text
            elif kind == "photo":
                answer.value_display = answer.value_photo_name or ""
            else:
                answer.value_display = answer.value_text or ""

    @api.constrains("line_id", "question_id")
    def _check_question_of_unit(self):
        """A unit answers the questions of its product's category (or of a parent
        category) only."""
        for answer in self:
            ancestors = (answer.line_id.product_id.categ_id.parent_path or "").split(
                "/"
            )
            if str(answer.question_id.category_id.id) not in ancestors:
                raise ValidationError(
                    self.env._(
                        'The question "%(question)s" is not asked for %(product)s.',
                        question=answer.question_id.name,
                        product=answer.line_id.product_id.display_name,
                    )
                )
