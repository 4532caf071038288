# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Issue 14: the transit times and the distributors' regions take a region of
addresses the same way (rma.region.mixin): the same ranking, the same zip
comparison, the same check of the states."""

from odoo import Command
from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common import RmaCommon


@tagged("post_install", "-at_install")
class TestIssue14Region(RmaCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.be = cls.env.ref("base.be")
        cls.wallonia = cls.env["res.country.state"].create(
            {"name": "Wallonia Test", "code": "WLT", "country_id": cls.be.id}
        )
        cls.dists = cls.env["res.partner"].create(
            [
                {"name": f"Region Test {key}", "is_company": True, "rma_reseller": True}
                for key in ("country", "state", "zip1", "zip3")
            ]
        )
        # (states, zip prefix, sequence) of the four rules, least specific first;
        # the lowest sequence is the least specific one's: specificity wins.
        cls.regions = [
            ([], False, 1),
            (cls.wallonia.ids, False, 5),
            ([], "4", 9),
            ([], "4 00", 10),
        ]
        cls.partners = cls.env["res.partner"].create(
            [
                {"name": "Brussels", "country_id": cls.be.id, "zip": "1000"},
                {
                    "name": "Namur",
                    "country_id": cls.be.id,
                    "state_id": cls.wallonia.id,
                    "zip": "5000",
                },
                {"name": "Liege", "country_id": cls.be.id, "zip": "4020"},
                {"name": "Liege Centre", "country_id": cls.be.id, "zip": "40 00"},
                {"name": "Paris", "country_id": cls.env.ref("base.fr").id},
            ]
        )

    def _rules(self, model, extra):
        return self.env[model].create(
            [
                {
                    "country_id": self.be.id,
                    "state_ids": [Command.set(states)],
                    "zip_prefix": prefix,
                    "sequence": sequence,
                    **extra(index),
                }
                for index, (states, prefix, sequence) in enumerate(self.regions)
            ]
        )

    def _expected(self, rules):
        brussels, namur, liege, centre, _paris = self.partners
        return {brussels: rules[0], namur: rules[1], liege: rules[2], centre: rules[3]}

    def test_both_rules_rank_regions_alike(self):
        distributor_rules = self._rules(
            "rma.distributor.rule",
            lambda index: {"distributor_id": self.dists[index].id},
        )
        found = self.env["rma.distributor.rule"]._find_for_partners(self.partners)
        self.assertEqual(
            found,
            {p: r.distributor_id for p, r in self._expected(distributor_rules).items()},
        )
        transit_rules = self._rules(
            "rma.transit.rule",
            lambda index: {"name": f"Zone {index}", "days_min": 1, "days_max": 2},
        )
        found = self.env["rma.transit.rule"]._find_for_partner(
            self.partners, self.warehouse
        )
        self.assertEqual(found, self._expected(transit_rules))

    def test_states_belong_to_the_country(self):
        texas = self.env.ref("base.state_us_23")
        for model, extra in (
            ("rma.distributor.rule", {"distributor_id": self.dists[0].id}),
            ("rma.transit.rule", {"name": "Wrong", "days_min": 1, "days_max": 1}),
        ):
            with self.subTest(model=model), self.assertRaises(ValidationError):
                self.env[model].create(
                    {
                        "country_id": self.be.id,
                        "state_ids": [Command.set(texas.ids)],
                        **extra,
                    }
                )
