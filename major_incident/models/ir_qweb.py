from lxml import etree

from odoo import models

NOT_COMPILE_OPTIONS = ("__qweb", "_qweb", "mi_qweb")


class IrQweb(models.AbstractModel):
    _inherit = "ir.qweb"

    def _generate_code_uncached(self, template):
        # Email Marketing compiles a mailing's QWeb body anew for each recipient: 60 % of
        # the time it takes to render an incident blast. While one is rendered, each body
        # is compiled once.
        compiled_bodies = self.env.context.get("mi_qweb_compiled_bodies")
        if compiled_bodies is None or not isinstance(template, etree._Element):
            return super()._generate_code_uncached(template)
        key = (etree.tostring(template), self._mi_compile_options())
        if key not in compiled_bodies:
            compiled_bodies[key] = super()._generate_code_uncached(template)
        return compiled_bodies[key]

    def _mi_compile_options(self):
        """The context values compiling may read (language, restrictions, branding...)."""
        return tuple(
            sorted(
                (key, value)
                for key, value in self.env.context.items()
                if not key.startswith(NOT_COMPILE_OPTIONS) and isinstance(value, (str, int, float, bool, type(None)))
            )
        )
