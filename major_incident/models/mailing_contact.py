from odoo import api, fields, models
from odoo.fields import Command, Domain

from odoo.addons.base.models.res_partner import _lang_get, _tz_get

# Contact fields mirrored from the partner.
MIRRORED_FIELDS = ("name", "email", "company_name", "country_id", "mi_tz", "mi_lang")


class MailingContact(models.Model):
    _inherit = "mailing.contact"

    mi_partner_id = fields.Many2one(
        "res.partner",
        "Mirrors",
        ondelete="cascade",
        index="btree_not_null",
        readonly=True,
        help="The contact flagged for major-incident communications that this one mirrors.",
    )
    mi_tz = fields.Selection(
        _tz_get,
        "Time zone",
        help="Times in major-incident e-mails are shown in this time zone; empty: the company's.",
    )
    mi_lang = fields.Selection(
        _lang_get,
        "Language",
        help="Major-incident e-mails are written in this language; empty, or a language not "
        "installed: the company's, else English.",
    )

    _mi_partner_unique = models.UniqueIndex(
        "(mi_partner_id) WHERE mi_partner_id IS NOT NULL",
        "A partner is mirrored by one mailing contact.",
    )

    @api.model
    def _mi_sync_partners(self, partners):
        """Mirror ``partners`` into the major-incident lists: each is subscribed to the list
        of its audience and to no other major-incident list. An existing subscription is
        kept as it is, so that somebody who unsubscribed stays unsubscribed."""
        contacts = self.sudo().with_context(active_test=False)
        lists = self.env["mailing.list"].sudo()._mi_lists_for(partners)
        existing = {
            contact.mi_partner_id.id: contact
            for contact in contacts.search(Domain("mi_partner_id", "in", partners.ids))
        }
        to_create = []
        stale = self.env["mailing.subscription"].sudo()
        new_subscriptions = []
        for partner in partners:
            target = lists[partner.id]
            values = partner._mi_mailing_contact_values()
            contact = existing.get(partner.id)
            if not contact:
                if target:
                    subscription = Command.create({"list_id": target.id})
                    to_create.append(dict(values, mi_partner_id=partner.id, subscription_ids=[subscription]))
                continue
            current = contact._convert_to_write({name: contact[name] for name in MIRRORED_FIELDS})
            changed = {name: value for name, value in values.items() if current[name] != value}
            if changed:
                contact.write(changed)
            subscriptions = contact.subscription_ids
            stale |= subscriptions.filtered(lambda s, target=target: s.list_id.mi_audience and s.list_id != target)
            if target and target not in subscriptions.list_id:
                new_subscriptions.append({"contact_id": contact.id, "list_id": target.id})
        stale.unlink()
        self.env["mailing.subscription"].sudo().create(new_subscriptions)
        contacts.create(to_create)
        # The list and contact many2many are read from the subscription table written above.
        self.env["mailing.contact"].invalidate_model(["list_ids", "subscription_ids"])
        self.env["mailing.list"].invalidate_model(["contact_ids", "subscription_ids"])
