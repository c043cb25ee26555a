from odoo import api, fields, models
from odoo.exceptions import UserError

from odoo.addons.phone_validation.tools import phone_validation

from .mailing_list import MI_AUDIENCES

# Partner fields the major-incident mailing contacts and lists follow.
MI_MIRRORED_FIELDS = {
    "mi_audience", "name", "email", "tz", "country_id", "parent_id", "is_company", "active"
}


class ResPartner(models.Model):
    _inherit = "res.partner"

    mi_support_tier = fields.Selection(
        [("enterprise", "Enterprise"), ("pro", "Pro")],
        "Support tier",
        help="Selects the urgent response target (set it on the company; contacts inherit it).",
    )

    def _mi_phone_e164(self, number=None):
        """``number`` (default: the partner's phone) in E.164, the form an escalation
        dials. Raises a UserError naming the person when it is not a valid number."""
        self.ensure_one()
        number = number if number is not None else self.phone
        country = self.country_id or self.env.company.country_id
        if not number:
            raise UserError(self.env._("%(name)s has no phone number.", name=self.display_name))
        try:
            return phone_validation.phone_format(
                number,
                country.code,
                country.phone_code,
                force_format="E164",
                raise_exception=True,
            )
        except UserError as error:
            raise UserError(
                self.env._(
                    "%(name)s's phone number %(number)s is not valid: %(reason)s",
                    name=self.display_name,
                    number=number,
                    reason=error.args[0] if error.args else "",
                )
            ) from error

    # ------------------------------------------------------------------ communications

    mi_audience = fields.Selection(
        MI_AUDIENCES,
        "Major incident e-mails",
        index="btree_not_null",
        help="Incident contact: receives its company's major-incident e-mails (one mailing list "
        "per customer). Internal stakeholder, Executive: the internal and leadership lists. "
        "The lists follow the contacts; their phone is stored in E.164.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        partners = super().create(vals_list)
        flagged = partners.filtered("mi_audience")
        if flagged:
            flagged._mi_phone_to_e164()
            self.env["mailing.contact"]._mi_sync_partners(flagged)
        return partners

    def write(self, vals):
        result = super().write(vals)
        if {"mi_audience", "phone", "country_id"}.intersection(vals):
            self._mi_phone_to_e164()
        if MI_MIRRORED_FIELDS.intersection(vals):
            partners = self if "mi_audience" in vals else self.filtered("mi_audience")
            if {"name", "parent_id", "is_company"}.intersection(vals):
                # Contacts mirror their company's name and follow its list.
                partners |= self.child_ids.filtered("mi_audience")
            if partners:
                self.env["mailing.contact"]._mi_sync_partners(partners)
        if "name" in vals:
            self._mi_rename_lists()
        return result

    def _mi_phone_to_e164(self):
        """Incident contacts' phones are stored in E.164, the form an escalation dials."""
        for partner in self.filtered(lambda p: p.mi_audience and p.phone):
            number = partner._mi_phone_e164()
            if number != partner.phone:
                partner.phone = number

    def _mi_mailing_contact_values(self):
        """The values of the mailing contact mirroring this partner."""
        self.ensure_one()
        company = self.commercial_partner_id
        return {
            "name": self.name,
            "email": self.email or False,
            "company_name": company.name if company != self else False,
            "country_id": self.country_id.id,
            "mi_tz": self.tz or False,
        }

    def _mi_rename_lists(self):
        lists = self.env["mailing.list"].sudo()
        for mailing_list in lists._mi_customer_lists(self).values():
            mailing_list.name = lists._mi_customer_list_name(mailing_list.mi_partner_id)
