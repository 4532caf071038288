from . import warranty_check
