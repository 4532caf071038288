# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from . import portal
from . import warranty_check
from . import portal_units
from . import portal_request
from . import portal_quote
from . import rating
from . import portal_complaint  # issue 14: complaints and disputes
from . import portal_distributor
from . import portal_spare_parts  # Spare parts (issue 15)
from . import portal_followup  # follow-up RMA (issue 17)
from . import portal_closing  # closing by the customer (issue 17)
