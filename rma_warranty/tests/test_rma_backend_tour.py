# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import date, timedelta

from lxml import etree

from odoo.tests import Form, HttpCase, new_test_user, tagged
from odoo.tools.safe_eval import safe_eval

from .common import RmaCommon


class RmaBackendMixin(RmaCommon):
    """RmaCommon's world, plus a serial sold and delivered to a buyer the tour finds
    back, and a plain RMA user (no sales or accounting rights)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.buyer = cls.env["res.partner"].create(
            {"name": "Tour Buyer Oy", "is_company": True}
        )
        cls.product.name = "Tour NAS"
        cls.tour_lot = cls._create_lots(cls.product, ["SN-TOUR-0001"])
        cls.sale = cls._sell(cls.buyer, cls.product, lots=cls.tour_lot, price=450.0)
        cls.delivery = cls.sale.picking_ids
        cls.tour_user = new_test_user(
            cls.env, "rma_tour_user", groups="rma_warranty.group_rma_user"
        )


@tagged("post_install", "-at_install")
class TestRmaBackendTour(RmaBackendMixin, HttpCase):
    def test_rma_order_backend_tour(self):
        self.start_tour("/odoo", "rma_order_backend_tour", login=self.tour_user.login)
        rma = self.env["rma.order"].search([("line_ids.lot_id", "=", self.tour_lot.id)])
        self.assertEqual(len(rma), 1)
        self.assertEqual(rma.state, "approved")
        self.assertTrue(rma.name.startswith("RMA/"))
        self.assertEqual(rma.partner_id, self.buyer)
        self.assertEqual(rma.user_id, self.tour_user)
        self.assertEqual(rma.line_ids.product_id, self.product)
        self.assertEqual(rma.line_ids.fault_description, "Does not boot")
        # The origin found in the form is saved with the unit.
        self.assertEqual(rma.line_ids.origin_move_id, self.delivery.move_ids)
        self.assertEqual(rma.line_ids.origin_sale_line_id, self.sale.order_line)
        self.assertEqual(
            rma.line_ids.origin_invoice_line_id, self.sale.invoice_ids.invoice_line_ids
        )
        receipt = rma.picking_ids
        self.assertEqual(len(receipt), 1)
        self.assertEqual(receipt.picking_type_id, self.warehouse.rma_in_type_id)
        self.assertEqual(receipt.move_ids.rma_line_id, rma.line_ids)


@tagged("post_install", "-at_install")
class TestRmaBackendViews(RmaBackendMixin, HttpCase):
    """The backend views load for an RMA user, their filters find the right RMAs,
    and the Create RMA buttons open a prefilled form."""

    def _views(self, model, modes, user=None):
        env = self.env(user=user or self.tour_user)
        result = env[model].get_views([(False, mode) for mode in modes])
        return {mode: etree.fromstring(result["views"][mode]["arch"]) for mode in modes}

    def _filter_domain(self, search_arch, name, value=None):
        """Evaluate a filter (or a search field's filter_domain) as the web client."""
        node = search_arch.xpath(f"//filter[@name='{name}']") or search_arch.xpath(
            f"//field[@string='{name}']"
        )
        self.assertTrue(node, f"no filter {name}")
        expr = node[0].get("domain") or node[0].get("filter_domain")
        return safe_eval(
            expr,
            {
                "context_today": date.today,
                "uid": self.tour_user.id,
                "self": value,
                "raw_value": value,
            },
        )

    def test_rma_views_load_for_rma_user(self):
        action = self.env.ref("rma_warranty.rma_order_action")
        modes = action.view_mode.split(",")
        self.assertEqual(
            set(modes), {"kanban", "list", "form", "pivot", "graph", "activity"}
        )
        self.assertEqual(action.path, "rma")
        archs = self._views("rma.order", modes + ["search"])
        kanban = archs["kanban"]
        self.assertEqual(kanban.get("default_group_by"), "state")
        for field in ("name", "partner_id", "distributor_id", "line_ids", "user_id"):
            self.assertTrue(kanban.xpath(f"//field[@name='{field}']"), field)
        self.assertTrue(kanban.xpath("//field[@widget='kanban_activity']"))
        form = archs["form"]
        self.assertTrue(form.xpath("//button[@name='action_view_pickings']"))
        # Sale orders and credit notes need sales or accounting rights, which a
        # plain RMA user lacks: their buttons are for users who can open them.
        # Repair quotes are the sale orders RMA users make and follow themselves.
        self.assertFalse(form.xpath("//button[@name='action_view_sale_order']"))
        self.assertFalse(form.xpath("//button[@name='action_view_refunds']"))
        self.assertTrue(form.xpath("//button[@name='action_view_quotes']"))
        salesman = new_test_user(
            self.env,
            "rma_tour_salesman",
            groups="rma_warranty.group_rma_user,sales_team.group_sale_salesman",
        )
        form = self._views("rma.order", ["form"], user=salesman)["form"]
        self.assertTrue(form.xpath("//button[@name='action_view_sale_order']"))
        form = self._views("rma.order", ["form"], user=self.rma_manager)["form"]
        self.assertTrue(form.xpath("//button[@name='action_view_refunds']"))
        # A plain RMA user opens an approved RMA (nothing read from the cache).
        rma = self._new_rma(self.buyer, [(self.product, self.tour_lot, 1)])
        rma.action_submit()
        rma.action_approve()
        self.env.invalidate_all()
        rma_form = Form(rma.with_user(self.tour_user))
        self.assertEqual(rma_form.state, "approved")
        self.assertEqual(rma_form.picking_count, 1)
        self.assertEqual(rma_form.line_ids.edit(0).lot_id, self.tour_lot)
        # Pivot and graph group by state, customer, distributor, centre and month.
        Rma = self.env["rma.order"].with_user(self.tour_user)
        for groupby in (
            "state",
            "partner_id",
            "distributor_id",
            "warehouse_id",
            "create_date:month",
        ):
            Rma.web_read_group([], ["__count"], [groupby])
        units = self.env.ref("rma_warranty.rma_order_line_action")
        self.assertEqual(units.view_mode, "pivot,graph,list,form")
        archs = self._views("rma.order.line", ["pivot", "graph", "list", "search"])
        self.assertEqual(archs["list"].get("create"), "0")
        self.env["rma.order.line"].with_user(self.tour_user).web_read_group(
            [], ["quantity:sum", "qty_received:sum"], ["product_id", "resolution"]
        )

    def test_rma_search_filters(self):
        other_lot = self._create_lots(self.product, ["SN-OTHER-0002"])
        self._sell(self.distributor, self.product, lots=other_lot)
        mine = self._new_rma(
            self.buyer,
            [(self.product, self.tour_lot, 1)],
            user_id=self.tour_user.id,
        )
        theirs = self._new_rma(
            self.end_user,
            [(self.product, other_lot, 1)],
            user_id=self.rma_user.id,
        )
        late, upcoming = mine, theirs
        late.activity_schedule(
            "mail.mail_activity_data_todo",
            date_deadline=date.today() - timedelta(days=2),
            user_id=self.tour_user.id,
        )
        upcoming.activity_schedule(
            "mail.mail_activity_data_todo",
            date_deadline=date.today() + timedelta(days=2),
            user_id=self.tour_user.id,
        )
        theirs.action_submit()
        search = self._views("rma.order", ["search"])["search"]
        Rma = self.env["rma.order"].with_user(self.tour_user)
        both = mine | theirs
        scope = [("id", "in", both.ids)]

        def found(name, value=None):
            return Rma.search(scope + self._filter_domain(search, name, value))

        self.assertEqual(found("my"), mine)
        self.assertEqual(found("overdue"), late)
        self.assertEqual(found("draft"), mine)
        self.assertEqual(found("submitted"), theirs)
        self.assertFalse(found("done"))
        self.assertEqual(found("Serial Number", "SN-OTHER"), theirs)
        self.assertEqual(found("Product", "Tour NAS"), both)
        # The reseller is found from the serial it bought; search it by id.
        self.assertEqual(theirs.distributor_id, self.distributor)
        distributor_field = search.xpath("//field[@name='distributor_id']")[0]
        domain = safe_eval(
            distributor_field.get("filter_domain"), {"raw_value": self.distributor.id}
        )
        self.assertEqual(Rma.search(scope + domain), theirs)
        customer_field = search.xpath("//field[@name='partner_id']")[0]
        domain = safe_eval(
            customer_field.get("filter_domain"), {"raw_value": self.buyer.id}
        )
        self.assertEqual(Rma.search(scope + domain), mine)

    def test_create_rma_buttons(self):
        picking_form = self._views("stock.picking", ["form"])["form"]
        self.assertTrue(picking_form.xpath("//button[@name='action_create_rma']"))
        self.assertTrue(picking_form.xpath("//button[@name='action_view_rma']"))
        invoice_form = self._views("account.move", ["form"], user=self.rma_manager)
        self.assertTrue(invoice_form["form"].xpath("//button[@name='action_view_rma']"))
        stock_only = new_test_user(
            self.env, "rma_tour_stock_only", groups="stock.group_stock_user"
        )
        picking_form = self._views("stock.picking", ["form"], user=stock_only)["form"]
        self.assertFalse(picking_form.xpath("//button[@name='action_create_rma']"))

        # From the delivery: the buyer and the serial, with its origin.
        picking = self.delivery.with_user(self.tour_user)
        self.assertEqual(picking.rma_count, 0)
        action = picking.action_create_rma()
        self.assertEqual(action["res_model"], "rma.order")
        rma_form = Form(
            self.env["rma.order"]
            .with_user(self.tour_user)
            .with_context(**action["context"])
        )
        self.assertEqual(rma_form.partner_id, self.buyer)
        rma = rma_form.save()
        self.assertEqual(rma.line_ids.lot_id, self.tour_lot)
        self.assertEqual(rma.line_ids.origin_move_id, self.delivery.move_ids)
        self.assertEqual(rma.line_ids.origin_sale_line_id, self.sale.order_line)
        picking.invalidate_recordset(["rma_count"])
        self.assertEqual(picking.rma_count, 1)
        self.assertEqual(picking.action_view_rma()["res_id"], rma.id)

        # From the sale order: the same, and the order is linked.
        seller = new_test_user(
            self.env,
            "rma_tour_seller",
            groups="rma_warranty.group_rma_user,sales_team.group_sale_salesman_all_leads",
        )
        sale_form = self._views("sale.order", ["form"], user=seller)["form"]
        self.assertTrue(sale_form.xpath("//button[@name='action_create_rma']"))
        self.assertTrue(sale_form.xpath("//button[@name='action_view_rma']"))
        sale = self.sale.with_user(seller)
        action = sale.action_create_rma()
        rma_form = Form(
            self.env["rma.order"].with_user(seller).with_context(**action["context"])
        )
        self.assertEqual(rma_form.sale_order_id, self.sale)
        self.assertEqual(rma_form.partner_id, self.buyer)
        rma2 = rma_form.save()
        self.assertEqual(rma2.line_ids.lot_id, self.tour_lot)
        self.assertEqual(sale.rma_count, 1)
        self.assertEqual(sale.action_view_rma()["res_id"], rma2.id)
        action = rma2.with_user(seller).action_view_sale_order()
        self.assertEqual(action["res_model"], "sale.order")
        self.assertEqual(action["res_id"], self.sale.id)
