"""Internal supervision's portal forms, registered with the portal's registry (procedures.portal.forms)
when this module is loaded."""
