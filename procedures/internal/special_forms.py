"""The internal special inspection's portal form (第十六条 参照 第十五条（二）: the institution reports
one it ran, special.py), registered with the portal's registry when this module is loaded. No run
waits for it: the report is stored and the agency mailed in the storing transaction."""

from procedures.internal import special
from procedures.portal.forms import PortalForm, register

register(PortalForm("internal_special", "internal_special.html.j2", 400, special.parse, special.context, special.check,
                    resumes=False, stored=special.stored, file_fields=lambda link: set()))
