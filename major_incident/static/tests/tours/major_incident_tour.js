import { registry } from "@web/core/registry";

// One outage, two customers: the Incident Manager declares the incident from the first
// customer's ticket, links the second customer's ticket to it, codes and resolves it.

registry.category("web_tour.tours").add("major_incident_declare_tour", {
    steps: () => [
        {
            content: "The first customer's ticket is not part of an incident yet",
            trigger: '.o_form_view button[name="action_link_major_incident"]',
        },
        {
            content: "Declare the major incident from the ticket",
            trigger: '.o_form_view button[name="action_declare_major_incident"]',
            run: "click",
        },
        {
            content: "The ticket now shows the incident's banner",
            trigger: '.o_form_view .alert-danger:contains("Part of major incident")',
        },
    ],
});

registry.category("web_tour.tours").add("major_incident_link_tour", {
    steps: () => [
        {
            content: "Link the second customer's ticket",
            trigger: '.o_form_view button[name="action_link_major_incident"]',
            run: "click",
        },
        {
            content: "Look for the ongoing incident",
            trigger: '.modal div[name="incident_id"] input',
            run: "edit Till scanners",
        },
        {
            content: "Choose it",
            trigger: '.o-autocomplete--dropdown-item:contains("Till scanners")',
            run: "click",
        },
        {
            content: "Link",
            trigger: '.modal button[name="action_link"]:contains("Link")',
            run: "click",
        },
        {
            content: "The incident opens with its two tickets",
            trigger: '.o_form_view button[name="action_view_tickets"]:contains("2")',
        },
    ],
});

registry.category("web_tour.tours").add("major_incident_resolve_tour", {
    steps: () => [
        {
            content: "Code the system",
            trigger: '.o_form_view div[name="system_id"] input',
            run: "edit Vision Platform",
        },
        {
            content: "Vision Platform",
            trigger: '.o-autocomplete--dropdown-item:contains("Vision Platform")',
            run: "click",
        },
        {
            content: "Code the component",
            trigger: '.o_form_view div[name="component_id"] input',
            run: "edit Vision Server",
        },
        {
            content: "Vision Server",
            trigger: '.o-autocomplete--dropdown-item:contains("Vision Server")',
            run: "click",
        },
        {
            content: "Code the problem",
            trigger: '.o_form_view div[name="problem_code_id"] input',
            run: "edit Service down",
        },
        {
            content: "Service down",
            trigger: '.o-autocomplete--dropdown-item:contains("Service down")',
            run: "click",
        },
        {
            content: "Software version",
            trigger: '.o_form_view div[name="software_version"] input',
            run: "edit 4.12.3",
        },
        {
            content: "Open the Resolution tab",
            trigger: '.o_notebook a.nav-link:contains("Resolution")',
            run: "click",
        },
        {
            content: "Say how service was restored",
            trigger: '.o_form_view div[name="resolution_note"] textarea',
            run: "edit Scanner firmware rolled back on every till.",
        },
        {
            content: "Resolve",
            trigger: '.o_form_view button[name="action_resolve"]',
            run: "click",
        },
        {
            content: "Confirm: service is restored",
            trigger: '.modal-footer button.btn-primary',
            run: "click",
        },
        {
            content: "The incident is resolved",
            trigger: '.o_form_view div[name="state"] button.o_arrow_button_current:contains("Resolved")',
        },
    ],
});
