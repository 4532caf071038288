# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import base64
import re

from odoo import api, fields, models
from odoo.exceptions import UserError

ANSWER_TYPES = [
    ("text", "Text"),
    ("yes_no", "Yes / No"),
    ("number", "Number"),
    ("photo", "Photo"),
]
# A number as a customer types it: digits, one decimal point or comma, a sign.
NUMBER_RE = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)$")


class RmaIntakeQuestion(models.Model):
    """A question of the intake checklist of a product category (issue 17, as OCA
    ``helpdesk_mgmt_template`` and the "first troubleshooting" of the sources):
    the customer answers it for each unit of that category (or of a
    sub-category) on the portal request form, staff read and fill the answers
    on the unit (``rma.intake.answer``)."""

    _name = "rma.intake.question"
    _description = "RMA Intake Question"
    _order = "category_id, sequence, id"

    # The longest text answer kept (the form's maxlength too).
    _TEXT_MAX = 1000

    sequence = fields.Integer(default=10)
    name = fields.Char(string="Question", required=True, translate=True)
    category_id = fields.Many2one(
        comodel_name="product.category",
        string="Product Category",
        required=True,
        index=True,
        ondelete="cascade",
        help="Asked for the units of the products of this category and of its "
        "sub-categories.",
    )
    answer_type = fields.Selection(
        selection=ANSWER_TYPES, required=True, default="text"
    )
    required = fields.Boolean(
        help="The portal request form is refused until the customer answers it."
    )
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        comodel_name="res.company",
        index=True,
        default=lambda self: self.env.company,
        help="Asked in this company only; empty: in every company.",
    )

    # ---- Business methods -----------------------------------------------------------

    @api.model
    def _get_by_category(self, categories):
        """The active questions of the current company asked for the products
        of each of ``categories`` (those of the category and of its parents),
        in sudo: ``{category: questions}``, one search for all of them. Used by
        the portal form (the lookup and the request), whose users do not read
        questions: only their text and type are shown."""
        # sudo: portal users do not read product categories; only their place in
        # the tree (parent_path) is read, to find the questions.
        categories = categories.sudo()
        ancestor_ids = {
            int(cid)
            for category in categories
            for cid in (category.parent_path or "").split("/")
            if cid
        }
        # sudo: portal users do not read questions; see the docstring.
        questions_sudo = self.sudo().search(
            [
                ("category_id", "in", list(ancestor_ids)),
                ("company_id", "in", [False, self.env.company.id]),
            ]
        )
        by_category = questions_sudo.grouped("category_id")
        result = {}
        for category in categories:
            questions = self.sudo().browse()
            for cid in (category.parent_path or "").split("/"):
                if cid:
                    questions |= by_category.get(
                        category.browse(int(cid)), self.browse()
                    )
            result[category] = questions.sorted(lambda q: (q.sequence, q.id))
        return result

    def _portal_values(self):
        """The questions as the portal form shows them (the lookup's answer)."""
        return [
            {
                "id": question.id,
                "name": question.name,
                "answer_type": question.answer_type,
                "required": question.required,
            }
            for question in self
        ]

    def _portal_answer_vals(self, serial, answers, photos):
        """Check the answers posted for one unit (serial ``serial``) to these
        questions, the unit's: ``answers`` ``{question_id: text}``, ``photos``
        ``{question_id: (name, content, mimetype)}`` already checked by
        ``rma.order._portal_request_files``. Answers to other questions are
        ignored. Returns the values of the answers
        (``_prepare_intake_answer_vals``); raises a clear message on the first
        missing or wrong one. Called by ``rma.order._portal_request_units``."""
        vals_list = []
        for question in self:
            text = answers.get(question.id)
            text = text.strip() if isinstance(text, str) else ""
            photo = photos.get(question.id)
            if question.answer_type == "photo":
                value = question._portal_photo_value(serial, photo)
            elif not text:
                value = None
            else:
                value = question._portal_text_value(serial, text)
            if value is None:
                if question.required:
                    raise UserError(
                        self.env._(
                            "Serial number %(serial)s: answer the question "
                            '"%(question)s".',
                            serial=serial,
                            question=question.name,
                        )
                    )
                continue
            vals_list.append(question._prepare_intake_answer_vals(value))
        return vals_list

    def _portal_photo_value(self, serial, photo):
        self.ensure_one()
        if not photo:
            return None
        name, content, mimetype = photo
        if not mimetype.startswith("image/"):
            raise UserError(
                self.env._(
                    'Serial number %(serial)s: the answer to "%(question)s" must be a '
                    "photo (JPEG, PNG, GIF, WebP).",
                    serial=serial,
                    question=self.name,
                )
            )
        return {"value_photo": base64.b64encode(content), "value_photo_name": name}

    def _portal_text_value(self, serial, text):
        self.ensure_one()
        if self.answer_type == "yes_no":
            if text not in ("yes", "no"):
                raise UserError(
                    self.env._(
                        'Serial number %(serial)s: answer "%(question)s" with yes '
                        "or no.",
                        serial=serial,
                        question=self.name,
                    )
                )
            return {"value_yes_no": text}
        if self.answer_type == "number":
            if len(text) > 32 or not NUMBER_RE.match(text):
                raise UserError(
                    self.env._(
                        'Serial number %(serial)s: answer "%(question)s" with a '
                        "number.",
                        serial=serial,
                        question=self.name,
                    )
                )
            return {"value_number": float(text.replace(",", "."))}
        if len(text) > self._TEXT_MAX:
            raise UserError(
                self.env._(
                    'Serial number %(serial)s: the answer to "%(question)s" is longer '
                    "than %(count)s characters.",
                    serial=serial,
                    question=self.name,
                    count=self._TEXT_MAX,
                )
            )
        return {"value_text": text}

    def _prepare_intake_answer_vals(self, value):
        """Values of the answer to this question, ``value`` the value fields of
        ``rma.intake.answer`` (``value_text``, ``value_yes_no``...), without the
        unit (created with it). Called by ``_portal_answer_vals``; may be
        overridden."""
        self.ensure_one()
        return {"question_id": self.id, **value}
