# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.exceptions import UserError


class RmaTooManyRequests(UserError):
    """Over a rate limit (rma.rate.limit): the portal answers HTTP 429."""
