# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Issue 14: the checks of the complaint routes in the isolation matrix
(test_portal_matrix.TestPortalMatrix, ROUTES); complaints over RPC are in
test_issue14_complaint_portal.py."""

import re


class ComplaintMatrixMixin:
    """Mixed into TestPortalMatrix: one complaint per RMA of the matrix world, of
    the RMA's customer; each persona reaches those of its own commercial entity."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.complaints = cls.env["rma.complaint"].create(
            [
                {
                    "partner_id": rma.partner_id.id,
                    "company_id": rma.company_id.id,
                    "rma_id": rma.id,
                    "description": f"Matrix complaint about {rma.name}.",
                }
                for rma in cls.rmas
            ]
        )

    def _visible_complaints(self, user):
        if not user:
            return self.env["rma.complaint"]
        entity = user.partner_id.commercial_partner_id
        return self.complaints.filtered(
            lambda complaint: complaint.commercial_partner_id == entity
        )

    def _matrix_complaint_list(self, user):
        for path in ("/my/complaints", "/my/complaints/page/1"):
            response = self._get(path)
            if not user:
                self.assertRedirectedAway(response, path)
                continue
            self.assertEqual(response.status_code, 200, path)
            for complaint in self.complaints:
                self.assertEqual(
                    complaint.name in response.text,
                    complaint in self._visible_complaints(user),
                    f"{path} {complaint.name}",
                )

    def _matrix_complaint_page(self, user):
        for complaint in self.complaints:
            url = f"/my/complaints/{complaint.id}"
            response = self._get(url)
            if complaint in self._visible_complaints(user):
                self.assertEqual(response.status_code, 200, url)
                self.assertIn(complaint.description, response.text)
                continue
            self.assertRedirectedAway(response, url)
            other = (self.complaints - complaint)[:1]
            for token in ("", "x", other._portal_ensure_token()):
                response = self._get(f"{url}?access_token={token}")
                self.assertRedirectedAway(response, url)

    def _matrix_complaint_form(self, user):
        response = self._get("/my/complaints/new")
        if not user:
            self.assertRedirectedAway(response, "complaint form")
            return
        self.assertEqual(response.status_code, 200)
        # Prefilled with an RMA it may not read: refused, without its name.
        for rma in self.rmas - self._visible(user):
            response = self._get(f"/my/complaints/new?rma_id={rma.id}")
            self.assertEqual(response.status_code, 403, rma.name)
            self.assertNotIn(rma.name, response.text)

    def _matrix_complaint_submit(self, user):
        before = self.env["rma.complaint"].search_count([])
        if not user:
            response = self.url_open(
                "/my/complaints/new",
                data={"complaint_type": "service", "description": "x"},
                allow_redirects=False,
            )
            self.assertLess(response.status_code, 500)
            self.assertNotIn("/my/complaints/", response.headers.get("Location", ""))
        else:
            for rma in self.rmas - self._visible(user):
                page = self._get("/my/complaints/new")
                fields_ = dict(
                    re.findall(
                        r'name="(csrf_token|complaint_token)" value="([^"]*)"',
                        page.text,
                    )
                )
                response = self.url_open(
                    "/my/complaints/new",
                    data=dict(
                        fields_,
                        complaint_type="diagnosis",
                        description="x",
                        rma_id=str(rma.id),
                        line_id=str(rma.line_ids[:1].id),
                    ),
                    allow_redirects=False,
                )
                self.assertEqual(response.status_code, 403, rma.name)
                self.assertNotIn(rma.name, response.text)
        self.assertEqual(self.env["rma.complaint"].search_count([]), before)
