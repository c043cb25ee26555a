from odoo import fields, models
from odoo.exceptions import UserError

from odoo.addons.phone_validation.tools import phone_validation


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
