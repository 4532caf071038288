# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Issue 15: the check of the spare-parts order route in the isolation matrix
(test_portal_matrix.TestPortalMatrix, ROUTES); the route itself is tested in
test_issue15_spares.py."""


class SparePartsMatrixMixin:
    """Mixed into TestPortalMatrix: a spare part of the matrix world's product;
    each persona orders it for its own units only."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        part = cls.env["product.product"].create(
            {"name": "Matrix spare part", "is_storable": True, "list_price": 12.0}
        )
        cls.matrix_spare_part = cls.env["rma.spare.part"].create(
            {
                "product_tmpl_id": cls.product.product_tmpl_id.id,
                "part_product_id": part.id,
            }
        )

    def _matrix_unit_order_parts(self, user):
        """Spare parts are ordered for one's own units only: for another's, not
        found and no quotation."""
        page = self._get("/my/units/register")
        csrf = self._form_fields(page.text).get("csrf_token", "")
        for lot in self.lots - self._visible_lots(user):
            response = self.url_open(
                f"/my/units/{lot.id}/parts",
                data={f"qty_{self.matrix_spare_part.id}": "1", "csrf_token": csrf},
                allow_redirects=False,
            )
            self._assert_refused(response, f"{user} {lot.name}", lot.name)
        self.assertFalse(
            self.env["sale.order.line"].search(
                [("product_id", "=", self.matrix_spare_part.part_product_id.id)]
            )
        )
