# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import base64
import html
import json
import re

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged

from .test_portal_request import PDF, PNG, PortalRequestCommon


class IntakeCommon(PortalRequestCommon):
    """The NAS of the portal request tests in a category "Checklist Storage"
    (under "Checklist Hardware", which asks a question of its own), the switch
    in another category with a required question of its own."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Category = cls.env["product.category"]
        cls.categ_hardware = Category.create({"name": "Checklist Hardware"})
        cls.categ_storage = Category.create(
            {"name": "Checklist Storage", "parent_id": cls.categ_hardware.id}
        )
        cls.categ_switch = Category.create({"name": "Checklist Switches"})
        cls.product.categ_id = cls.categ_storage
        cls.other_product.categ_id = cls.categ_switch
        Question = cls.env["rma.intake.question"]
        cls.q_firmware, cls.q_reset, cls.q_hours, cls.q_label = Question.create(
            [
                {
                    "category_id": cls.categ_storage.id,
                    "sequence": 1,
                    "name": "Firmware version",
                    "answer_type": "text",
                    "required": True,
                },
                {
                    "category_id": cls.categ_storage.id,
                    "sequence": 2,
                    "name": "Did you do a factory reset?",
                    "answer_type": "yes_no",
                    "required": True,
                },
                {
                    "category_id": cls.categ_storage.id,
                    "sequence": 3,
                    "name": "Hours of use a day",
                    "answer_type": "number",
                },
                {
                    "category_id": cls.categ_hardware.id,
                    "sequence": 4,
                    "name": "Photo of the label",
                    "answer_type": "photo",
                },
            ]
        )
        cls.q_ports = Question.create(
            {
                "category_id": cls.categ_switch.id,
                "name": "How many ports fail?",
                "answer_type": "number",
                "required": True,
            }
        )
        cls.q_archived = Question.create(
            {
                "category_id": cls.categ_storage.id,
                "name": "Archived question",
                "required": True,
                "active": False,
            }
        )
        other_company = cls.env["res.company"].create({"name": "Checklist Other Co"})
        cls.q_other_company = Question.create(
            {
                "category_id": cls.categ_storage.id,
                "name": "Other company's question",
                "required": True,
                "company_id": other_company.id,
            }
        )

    def _answered_unit(self, serial="PRQ-E1", **answers):
        unit = {
            "serial": serial,
            "fault_description": "Does not boot",
            f"answer-{self.q_firmware.id}": "2.1",
            f"answer-{self.q_reset.id}": "yes",
            f"answer-{self.q_hours.id}": "12,5",
        }
        for question, value in answers.items():
            key = f"answer-{getattr(self, question).id}"
            if value is None:
                unit.pop(key, None)
            else:
                unit[key] = value
        return unit

    def _label_file(self, content=PNG, name="label.png", index=0):
        return [
            (
                f"unit-{index}-answer-{self.q_label.id}",
                (name, content, "image/png"),
            )
        ]


@tagged("post_install", "-at_install")
class TestIntakeChecklistPortal(IntakeCommon):
    def test_answers_filed_with_the_unit(self):
        self.authenticate("prq_enduser", "prq_enduser")
        before = self._rmas()
        response = self._post(
            [self._answered_unit(), self._answered_unit("PRQ-E2", q_hours=None)],
            files=self._label_file(),
        )
        self.assertEqual(response.status_code, 303, response.text[-800:])
        rma = self._rmas() - before
        line = rma.line_ids.filtered(lambda unit: unit.lot_id.name == "PRQ-E1")
        answers = {a.question_id: a for a in line.intake_answer_ids}
        self.assertEqual(
            set(answers), {self.q_firmware, self.q_reset, self.q_hours, self.q_label}
        )
        self.assertEqual(answers[self.q_firmware].value_text, "2.1")
        self.assertEqual(answers[self.q_reset].value_yes_no, "yes")
        self.assertEqual(answers[self.q_hours].value_number, 12.5)
        self.assertEqual(answers[self.q_hours].value_display, "12.5")
        self.assertEqual(answers[self.q_label].value_photo_name, "label.png")
        self.assertEqual(
            answers[self.q_label].with_context(bin_size=False).value_photo,
            base64.b64encode(PNG),
        )
        # The photo of the first unit is not the second one's, nor the hours.
        line_e2 = rma.line_ids - line
        self.assertEqual(
            line_e2.intake_answer_ids.question_id, self.q_firmware | self.q_reset
        )
        self.assertEqual(
            rma.intake_answer_ids, line.intake_answer_ids | line_e2.intake_answer_ids
        )

    def test_required_answers_refused_and_kept(self):
        self.authenticate("prq_enduser", "prq_enduser")
        before = self._rmas()
        response = self._post([self._answered_unit(q_firmware=None)])
        self.assertRefused(
            response,
            "Serial number PRQ-E1: answer the question &#34;Firmware version&#34;.",
        )
        # The answers given are shown again.
        kept = re.search(r'data-answers="([^"]*)"', response.text)
        self.assertEqual(
            json.loads(html.unescape(kept.group(1))),
            {str(self.q_reset.id): "yes", str(self.q_hours.id): "12,5"},
        )
        self.assertIn('value="PRQ-E1"', response.text)
        # Blank is no answer; the optional ones may stay empty.
        response = self._post([self._answered_unit(q_reset="  ")])
        self.assertRefused(response, "Did you do a factory reset?")
        self.assertEqual(self._rmas(), before)
        response = self._post([self._answered_unit(q_hours=None)])
        self.assertEqual(response.status_code, 303, response.text[-800:])

    def test_another_categorys_question_is_ignored(self):
        """An answer to a question not asked for the unit (another category's, an
        archived one, another company's, one that does not exist) is not kept."""
        self.authenticate("prq_enduser", "prq_enduser")
        before = self._rmas()
        unit = self._answered_unit()
        unit[f"answer-{self.q_ports.id}"] = "3"
        unit[f"answer-{self.q_archived.id}"] = "x"
        unit[f"answer-{self.q_other_company.id}"] = "x"
        unit["answer-999999999"] = "x"
        unit["answer-abc"] = "x"
        response = self._post([unit])
        self.assertEqual(response.status_code, 303, response.text[-800:])
        rma = self._rmas() - before
        self.assertEqual(
            rma.intake_answer_ids.question_id,
            self.q_firmware | self.q_reset | self.q_hours,
        )
        # The switch's own required question is asked for the switch.
        response = self._post([{**self._answered_unit(), "serial": "PRQ-SW1"}])
        self.assertRefused(response, "How many ports fail?")

    def test_wrong_answers_refused(self):
        self.env["ir.config_parameter"].set_param(
            "rma_warranty.portal_upload_max_mb", "0.0001"
        )
        self.authenticate("prq_enduser", "prq_enduser")
        before = self._rmas()
        attachments = self.env["ir.attachment"].search_count([])
        cases = [
            (
                {"q_hours": "twelve"},
                None,
                "answer &#34;Hours of use a day&#34; with a number",
            ),
            ({"q_hours": "1e400"}, None, "with a number"),
            ({"q_hours": "9" * 40}, None, "with a number"),
            ({"q_reset": "maybe"}, None, "with yes or no"),
            ({"q_firmware": "x" * 1001}, None, "is longer than 1000 characters"),
            ({}, self._label_file(PDF, "label.pdf"), "must be a photo"),
            (
                {},
                self._label_file(b"<html><body>x</body></html>", "label.png"),
                "neither a photo",
            ),
            ({}, self._label_file(PNG + b"\0" * 200), "is larger than"),
        ]
        for answers, files, message in cases:
            with self.subTest(message=message):
                self.assertRefused(
                    self._post([self._answered_unit(**answers)], files=files), message
                )
        self.assertEqual(self._rmas(), before)
        self.assertEqual(self.env["ir.attachment"].search_count([]), attachments)

    def test_wrong_csrf_and_public_user(self):
        before = self._rmas()
        self.authenticate("prq_enduser", "prq_enduser")
        _response, _csrf, token = self._form()
        response = self._post([self._answered_unit()], csrf="wrong", token=token)
        self.assertGreaterEqual(response.status_code, 400)
        self.assertLess(response.status_code, 500)
        self.authenticate(None, None)
        response = self.url_open(
            "/my/rmas/new",
            data={f"unit-0-answer-{self.q_firmware.id}": "2.1"},
            allow_redirects=False,
        )
        self.assertLess(response.status_code, 500)
        self.assertEqual(self._rmas(), before)

    def test_model_refuses_wrong_typed_answers(self):
        """The model method reads only dicts of texts and files: anything else
        posted (lists, numbers, files as text) is no answer."""
        Rma = self.env(user=self.portal_end_user)["rma.order"]
        partner = self.portal_end_user.partner_id
        for answers, photos in (
            ([1, 2], None),
            ({str(self.q_firmware.id): ["2.1"]}, "photo"),
            ({self.q_firmware.id: 2.1}, {self.q_label.id: "not a file"}),
        ):
            with self.subTest(answers=answers):
                unit = {
                    "serial": "PRQ-E1",
                    "fault_description": "x",
                    "answers": answers,
                    "photos": photos,
                }
                with self.assertRaisesRegex(UserError, "answer the question"):
                    Rma._portal_create_request(
                        partner, [unit], token=Rma._portal_request_new_token()
                    )

    def test_lookup_shows_the_units_questions(self):
        self.authenticate("prq_enduser", "prq_enduser")
        answer = self.make_jsonrpc_request("/my/rmas/new/lookup", {"serial": "PRQ-E1"})
        questions = answer["units"][0]["questions"]
        self.assertEqual(
            questions,
            [
                {
                    "id": self.q_firmware.id,
                    "name": "Firmware version",
                    "answer_type": "text",
                    "required": True,
                },
                {
                    "id": self.q_reset.id,
                    "name": "Did you do a factory reset?",
                    "answer_type": "yes_no",
                    "required": True,
                },
                {
                    "id": self.q_hours.id,
                    "name": "Hours of use a day",
                    "answer_type": "number",
                    "required": False,
                },
                {
                    "id": self.q_label.id,
                    "name": "Photo of the label",
                    "answer_type": "photo",
                    "required": False,
                },
            ],
        )
        answer = self.make_jsonrpc_request("/my/rmas/new/lookup", {"serial": "PRQ-SW1"})
        self.assertEqual(
            [q["id"] for q in answer["units"][0]["questions"]], [self.q_ports.id]
        )

    def test_portal_page_shows_the_answers(self):
        self.authenticate("prq_enduser", "prq_enduser")
        before = self._rmas()
        response = self._post([self._answered_unit()], files=self._label_file())
        self.assertEqual(response.status_code, 303, response.text[-800:])
        rma = self._rmas() - before
        page = self.url_open(f"/my/rmas/{rma.id}")
        self.assertEqual(page.status_code, 200)
        self.assertIn("Your answers", page.text)
        for text in ("Firmware version", "2.1", "Yes", "12.5", "label.png"):
            self.assertIn(text, page.text)
        # Another customer sees neither the page nor the answers.
        self.authenticate("prq_distributor", "prq_distributor")
        page = self.url_open(f"/my/rmas/{rma.id}", allow_redirects=False)
        self.assertNotIn("Firmware version", page.text)


@tagged("post_install", "-at_install")
class TestIntakeChecklistBackend(IntakeCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.lots = cls._create_lots(cls.product, ["CHK-1", "CHK-2"])
        cls.rma_a, cls.rma_b = cls.env["rma.order"].create(
            [
                {
                    "partner_id": cls.end_user.id,
                    "line_ids": [
                        Command.create(
                            {
                                "product_id": cls.product.id,
                                "lot_id": lot.id,
                                "intake_answer_ids": [
                                    Command.create(
                                        {
                                            "question_id": cls.q_firmware.id,
                                            "value_text": firmware,
                                        }
                                    ),
                                    Command.create(
                                        {
                                            "question_id": cls.q_hours.id,
                                            "value_number": hours,
                                        }
                                    ),
                                ],
                            }
                        )
                    ],
                }
                for lot, firmware, hours in (
                    (cls.lots[0], "QTS 2.1", 8),
                    (cls.lots[1], "QTS 5.0", 2.1),
                )
            ]
        )

    def test_search_by_answer(self):
        Rma = self.env(user=self.rma_user)["rma.order"]

        def found(text):
            return Rma.search(
                [
                    ("intake_answer_search", "ilike", text),
                    ("id", "in", (self.rma_a | self.rma_b).ids),
                ]
            )

        self.assertEqual(found("firmware 2.1"), self.rma_a)
        self.assertEqual(found("2.1"), self.rma_a | self.rma_b)
        self.assertEqual(found("hours 2.1"), self.rma_b)
        self.assertEqual(found("firmware 9.9"), Rma)
        # The words are looked for in one answer, not across the unit's answers.
        self.assertEqual(found("firmware 8"), Rma)
        arch = Rma.get_views([(False, "search")])["views"]["search"]["arch"]
        self.assertIn('name="intake_answer_search"', arch)

    def test_staff_answer_on_the_unit(self):
        line = self.rma_a.line_ids.with_user(self.rma_user)
        self.assertEqual(
            line.intake_question_ids,
            self.q_firmware | self.q_reset | self.q_hours | self.q_label,
        )
        line.write(
            {
                "intake_answer_ids": [
                    Command.create(
                        {"question_id": self.q_reset.id, "value_yes_no": "no"}
                    )
                ]
            }
        )
        self.assertEqual(
            line.intake_answer_ids.filtered(
                lambda a: a.question_id == self.q_reset
            ).value_display,
            "No",
        )
        with self.assertRaisesRegex(ValidationError, "is not asked for"):
            line.write(
                {
                    "intake_answer_ids": [
                        Command.create(
                            {"question_id": self.q_ports.id, "value_number": 1}
                        )
                    ]
                }
            )
        arch = line.get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertIn('name="intake_answer_ids"', arch)
        category_arch = (
            self.env["product.category"]
            .with_user(self.rma_manager)
            .get_views([(False, "form")])["views"]["form"]["arch"]
        )
        self.assertIn('name="intake_question_ids"', category_arch)

    def test_portal_users_do_not_read_or_write_answers(self):
        answer = self.rma_a.intake_answer_ids[:1]
        with self.assertRaises(AccessError):
            answer.with_user(self.portal_end_user).read(["value_text"])
        with self.assertRaises(AccessError):
            answer.with_user(self.portal_end_user).write({"value_text": "hacked"})
        with self.assertRaises(AccessError):
            self.q_firmware.with_user(self.rma_user).write({"required": False})


@tagged("post_install", "-at_install")
class TestIntakeChecklistTour(IntakeCommon):
    def test_checklist_answered_in_portal_tour(self):
        before = self._rmas()
        self.start_tour(
            "/my/rmas/new", "rma_intake_checklist_tour", login="prq_enduser"
        )
        rma = self._rmas() - before
        self.assertEqual(len(rma), 1)
        self.assertEqual(rma.line_ids.lot_id.name, "PRQ-E1")
        answers = {a.question_id: a for a in rma.line_ids.intake_answer_ids}
        self.assertEqual(answers[self.q_firmware].value_text, "2.1.0")
        self.assertEqual(answers[self.q_reset].value_yes_no, "yes")
        self.assertEqual(answers[self.q_hours].value_number, 6.0)
        self.assertEqual(answers[self.q_label].value_photo_name, "label.png")


@tagged("post_install", "-at_install")
class TestIntakeChecklistQueries(IntakeCommon):
    def test_queries_do_not_grow_with_answered_units(self):
        """Filing 10 answered units costs about what 1 does: one search of the
        questions for the request, the answers created with the units."""
        lots = self._create_lots(self.product, [f"CHK-Q{i}" for i in range(12)])
        self._sell(self.end_user, self.product, lots=lots)
        Rma = self.env(user=self.portal_end_user)["rma.order"]
        partner = self.portal_end_user.partner_id
        counts = []
        for chunk in (lots[:1], lots[1:2], lots[2:12]):
            units = [
                {
                    "serial": lot.name,
                    "fault_description": "Broken",
                    "answers": {
                        self.q_firmware.id: "2.1",
                        self.q_reset.id: "no",
                        self.q_hours.id: "3",
                    },
                    "photos": {self.q_label.id: {"name": "l.png", "content": PNG}},
                }
                for lot in chunk
            ]
            token = Rma._portal_request_new_token()
            self.env.invalidate_all()
            start = self.env.cr.sql_log_count
            order = Rma._portal_create_request(partner, units, token=token)
            counts.append(self.env.cr.sql_log_count - start)
            self.assertEqual(len(order.intake_answer_ids), 4 * len(chunk))
        self.assertLessEqual(counts[2], counts[1] + 4, counts)
