from odoo import api, fields, models
from odoo.exceptions import ValidationError

CODE_KINDS = [("system", "System"), ("component", "Component"), ("problem", "Problem Code")]


class MajorIncidentCode(models.Model):
    """Ticket coding (SOP step 4): systems contain components; problem codes
    may hang under a component or stand on their own."""

    _name = "major.incident.code"
    _description = "Major Incident Ticket Code"
    _parent_store = True
    _order = "complete_name"
    _rec_name = "complete_name"

    name = fields.Char(required=True, translate=True)
    code = fields.Char(index=True)
    kind = fields.Selection(CODE_KINDS, required=True, default="system")
    parent_id = fields.Many2one("major.incident.code", ondelete="restrict", index=True)
    parent_path = fields.Char(index=True)
    child_ids = fields.One2many("major.incident.code", "parent_id")
    complete_name = fields.Char(compute="_compute_complete_name", store=True, recursive=True)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one("res.company", index=True)
    description = fields.Text(translate=True)

    _code_kind_unique = models.UniqueIndex(
        "(code, kind, COALESCE(company_id, 0)) WHERE code IS NOT NULL",
        "A code must be unique per kind and company.",
    )

    @api.depends("name", "parent_id.complete_name")
    def _compute_complete_name(self):
        for code in self:
            code.complete_name = f"{code.parent_id.complete_name} / {code.name}" if code.parent_id else code.name

    @api.constrains("kind", "parent_id")
    def _check_hierarchy(self):
        allowed_parent = {"system": (), "component": ("system",), "problem": ("component", "system")}
        for code in self:
            if code.parent_id and code.parent_id.kind not in allowed_parent[code.kind]:
                raise ValidationError(
                    self.env._(
                        "%(kind)s %(name)s cannot be placed under the %(parent_kind)s %(parent)s.",
                        kind=dict(CODE_KINDS)[code.kind],
                        name=code.name,
                        parent_kind=dict(CODE_KINDS)[code.parent_id.kind],
                        parent=code.parent_id.name,
                    )
                )
            if code.kind == "component" and not code.parent_id:
                raise ValidationError(self.env._("Component %(name)s must belong to a system.", name=code.name))
        if self._has_cycle():
            raise ValidationError(self.env._("Codes cannot be nested recursively."))
