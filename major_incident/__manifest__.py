# Copyright 2026 The major_incident authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "Major Incident Management",
    "summary": "Run ITIL major incidents inside the helpdesk: severity, state machine, "
    "policies, playbooks, SLA clocks and escalation",
    "version": "19.0.1.0.0",
    "license": "LGPL-3",
    "category": "After-Sales",
    "author": "major_incident authors",
    "website": "https://example.com/major_incident",
    "depends": [
        "helpdesk_mgmt",
        "mass_mailing",
        "phone_validation",
        "calendar",
        "resource",
        "portal",
    ],
    "external_dependencies": {"python": ["phonenumbers"]},
    "data": [
        "security/major_incident_security.xml",
        "security/ir.model.access.csv",
        "data/major_incident_policy_set_data.xml",
        "data/major_incident_policy_data.xml",
        "data/major_incident_code_data.xml",
        "views/major_incident_policy_set_views.xml",
        "views/major_incident_policy_views.xml",
        "views/major_incident_issue_type_views.xml",
        "views/major_incident_code_views.xml",
        "wizards/major_incident_declare_wizard_views.xml",
        "wizards/major_incident_dismiss_wizard_views.xml",
        "views/helpdesk_ticket_views.xml",
        "views/res_config_settings_views.xml",
        "views/major_incident_menus.xml",
    ],
    "demo": [
        "demo/res_users_demo.xml",
        "demo/major_incident_urgent_support_demo.xml",
        "demo/helpdesk_ticket_demo.xml",
    ],
    "installable": True,
    "application": False,
}
