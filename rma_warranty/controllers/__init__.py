from . import portal_units
