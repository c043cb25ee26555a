from odoo import api, fields, models
from odoo.fields import Domain

MI_AUDIENCES = [
    ("customer", "Incident contact"),
    ("internal", "Internal stakeholder"),
    ("executive", "Executive"),
]


class MailingList(models.Model):
    _inherit = "mailing.list"

    mi_audience = fields.Selection(
        MI_AUDIENCES,
        "Major incident audience",
        index="btree_not_null",
        help="Kept in sync with the contacts flagged for major-incident communications.",
    )
    mi_partner_id = fields.Many2one(
        "res.partner",
        "Customer",
        ondelete="set null",
        index="btree_not_null",
        help="Customer lists: the company whose incident contacts this list holds.",
    )

    _mi_partner_unique = models.UniqueIndex(
        "(mi_partner_id) WHERE mi_partner_id IS NOT NULL",
        "A customer has one incident contact list.",
    )

    def _fetch_contact_statistics(self):
        # In a form not saved yet (the Send Update wizard's audience) the lists are new
        # records wrapping real ones: counted by those ids, every list would read "(0)".
        counted = super(MailingList, self._origin)._fetch_contact_statistics()
        nothing = dict.fromkeys(self._get_contact_statistics_fields(), 0)
        return {mailing_list.id: counted.get(mailing_list._origin.id, nothing) for mailing_list in self}

    @api.model
    def _mi_internal_list(self):
        # Not found while the module installs: computed fields are set before its data loads.
        internal = self.env.ref("major_incident.mailing_list_mi_internal", raise_if_not_found=False)
        return internal or self.browse()

    @api.model
    def _mi_executive_list(self):
        executive = self.env.ref("major_incident.mailing_list_mi_executive", raise_if_not_found=False)
        return executive or self.browse()

    @api.model
    def _mi_customer_lists(self, companies, create=False):
        """{company id: its incident contact list} for ``companies``; with ``create``,
        the missing lists are created."""
        lists = self.with_context(active_test=False).search(Domain("mi_partner_id", "in", companies.ids))
        by_company = {mailing_list.mi_partner_id.id: mailing_list for mailing_list in lists}
        missing = companies.filtered(lambda company: company.id not in by_company)
        if create and missing:
            created = self.create(
                [
                    {
                        "name": self._mi_customer_list_name(company),
                        "mi_audience": "customer",
                        "mi_partner_id": company.id,
                    }
                    for company in missing
                ]
            )
            by_company.update({mailing_list.mi_partner_id.id: mailing_list for mailing_list in created})
        return by_company

    @api.model
    def _mi_customer_list_name(self, company):
        return self.env._("Major incidents: %(customer)s", customer=company.name)

    @api.model
    def _mi_lists_for(self, partners):
        """{partner id: the major-incident list ``partners`` belong to, or an empty recordset}.
        An incident contact belongs to its company's list, created on first need."""
        customers = partners.filtered(lambda p: p.active and p.mi_audience == "customer")
        customer_lists = self._mi_customer_lists(customers.commercial_partner_id, create=True)
        by_audience = {"internal": self._mi_internal_list(), "executive": self._mi_executive_list()}
        result = {}
        for partner in partners:
            if not partner.active:
                result[partner.id] = self.browse()
            elif partner.mi_audience == "customer":
                result[partner.id] = customer_lists[partner.commercial_partner_id.id]
            else:
                result[partner.id] = by_audience.get(partner.mi_audience, self.browse())
        return result
