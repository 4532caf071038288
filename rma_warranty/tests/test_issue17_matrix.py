# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Issue 17: the checks of the routes it adds in the isolation matrix
(test_portal_matrix.TestPortalMatrix, ROUTES): closing a request from the portal
and the follow-up request form. The routes themselves are tested in
test_issue17_closing_portal.py and test_issue17_followup.py."""

import re


class Issue17MatrixMixin:
    """Mixed into TestPortalMatrix: every persona against every RMA of the world."""

    def _matrix_rma_close(self, user):
        """The close card shows on a page only for the customer of a request that
        can still be closed; anyone else's POST (by id, with the RMA's token too)
        is refused and changes nothing. The customer's own closing is left to
        TestIssue17ClosingPortal (it would change the world of the other checks)."""
        page = self._get("/warranty/check")
        csrf = re.search(r'csrf_token: "([^"]+)"', page.text).group(1)
        for rma in self.rmas:
            refusal = (
                rma.sudo()._portal_customer_close_refusal(user.partner_id)
                if user
                else True
            )
            if rma in self._visible(user):
                response = self._get(f"/my/rmas/{rma.id}")
                self.assertEqual(
                    f"/my/rmas/{rma.id}/close" in response.text,
                    not refusal,
                    f"{user and user.login}: {rma.name}",
                )
            if not refusal:
                continue
            state = rma.state
            for query in ("", f"?access_token={rma.access_token}"):
                url = f"/my/rmas/{rma.id}/close{query}"
                response = self.opener.post(
                    self.base_url() + url,
                    data={"csrf_token": csrf, "comment": "Not mine to close."},
                    allow_redirects=False,
                )
                if user:
                    self.assertIn(response.status_code, (403, 404, 409), url)
                else:
                    self.assertRedirectedAway(response, url)
                rma.invalidate_recordset(["state"])
                self.assertEqual(rma.state, state, url)

    def _matrix_rma_followup(self, user):
        """The follow-up form opens for one's own RMA with units to follow up
        only; another's RMA is not found, whoever asks."""
        for rma in self.rmas:
            url = f"/my/rmas/{rma.id}/followup"
            response = self._get(url)
            if not user:
                self.assertRedirectedAway(response, url)
                continue
            allowed = rma.sudo()._portal_followup_available(user.partner_id)
            if allowed:
                self.assertEqual(response.status_code, 200, url)
                self.assertIn(
                    f'name="previous_rma_id" value="{rma.id}"', response.text, url
                )
            else:
                self.assertIn(response.status_code, (403, 404), url)
