"""Control catalogs: OSCAL import, versions, mappings."""
