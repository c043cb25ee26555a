from datetime import timedelta

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.fields import Domain

from odoo.addons.phone_validation.tools import phone_validation

from ..engine.vocabulary import CUSTOMER_SOURCES, TIERS
from .mailing_list import MI_AUDIENCES

# Partner fields the major-incident mailing contacts and lists follow.
MI_MIRRORED_FIELDS = {"mi_audience", "name", "email", "tz", "country_id", "parent_id", "is_company", "active", "lang"}


class ResPartner(models.Model):
    _inherit = "res.partner"

    mi_support_tier = fields.Selection(
        TIERS,
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
            "mi_lang": self.lang or False,
        }

    def _mi_rename_lists(self):
        lists = self.env["mailing.list"].sudo()
        for mailing_list in lists._mi_customer_lists(self).values():
            mailing_list.name = lists._mi_customer_list_name(mailing_list.mi_partner_id)

    # ------------------------------------------------------------------ intake and coordination

    mi_urgency_misuse_count = fields.Integer(
        'Non-urgent "urgent" reports',
        compute="_compute_mi_urgency_misuse_count",
        groups="base.group_user",
        help="The customer's urgent reports an Incident Manager dismissed as not urgent, "
        "within the company's misuse window.",
    )
    mi_coaching_needed = fields.Boolean(
        "Coaching on urgency",
        copy=False,
        index="btree_not_null",
        groups="base.group_user",
        help="Repeatedly marked non-urgent issues as urgent: coach the customer on priority levels.",
    )
    mi_coaching_flagged_at = fields.Datetime("Flagged for coaching at", copy=False, groups="base.group_user")

    def _compute_mi_urgency_misuse_count(self):
        counts = self._mi_urgency_misuse_counts()
        for partner in self:
            partner.mi_urgency_misuse_count = counts.get(partner.commercial_partner_id.id, 0)

    def _mi_urgency_misuse_counts(self):
        """{commercial partner id: dismissed customer-reported candidates in the window}."""
        companies = self.commercial_partner_id._origin
        if not companies:
            return {}
        since = fields.Datetime.now() - timedelta(days=self.env.company.mi_misuse_window_days)
        groups = (
            self.env["major.incident"]
            .sudo()
            ._read_group(
                Domain("commercial_partner_id", "in", companies.ids)
                & Domain("cancel_reason", "=", "not_mi")
                & Domain("source", "in", list(CUSTOMER_SOURCES))
                & Domain("closed_at", ">=", since),
                ["commercial_partner_id"],
                ["__count"],
            )
        )
        return {partner.id: count for partner, count in groups}

    def _mi_check_urgency_misuse(self):
        """Flag for coaching the customers whose count reached the company's threshold."""
        threshold = self.env.company.mi_misuse_threshold
        counts = self._mi_urgency_misuse_counts()
        to_flag = self.filtered(
            lambda p: threshold > 0 and not p.mi_coaching_needed and counts.get(p.id, 0) >= threshold
        )
        if not to_flag:
            return
        to_flag.sudo().write({"mi_coaching_needed": True, "mi_coaching_flagged_at": fields.Datetime.now()})
        # Whoever dismissed the report need not be allowed to edit customers.
        for partner in to_flag.sudo():
            partner.message_post(
                body=Markup("<p>%s</p>")
                % self.env._(
                    "%(count)s urgent reports dismissed as not urgent within %(days)s days: "
                    "coach the customer on priority levels.",
                    count=counts[partner.id],
                    days=self.env.company.mi_misuse_window_days,
                ),
                subtype_xmlid="mail.mt_note",
            )

    def action_mi_coaching_done(self):
        """The customer was coached: the flag is lifted (their count keeps its history)."""
        if not self.env.user.has_group("major_incident.group_mi_manager"):
            raise AccessError(self.env._("Only an Incident Manager can record coaching."))
        self.sudo().write({"mi_coaching_needed": False, "mi_coaching_flagged_at": False})
        for partner in self.sudo():
            partner.message_post(
                body=self.env._("Coached on urgency by %(user)s.", user=self.env.user.name),
                subtype_xmlid="mail.mt_note",
            )
        return True
