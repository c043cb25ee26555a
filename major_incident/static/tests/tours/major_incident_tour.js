import { registry } from "@web/core/registry";

// One outage, two customers. The first customer's ticket is set to "Very High": that raises
// a candidate incident; the Incident Manager opens it from the ticket's banner and
// acknowledges it. The second customer's ticket is linked to the incident through the
// "Link to Major Incident" wizard, and the incident is coded and resolved on its own form.

registry.category("web_tour.tours").add("major_incident_raise_tour", {
    steps: () => [
        {
            content: "The first customer's ticket is not part of an incident yet",
            trigger: '.o_form_view button[name="action_link_major_incident"]',
        },
        {
            content: "Urgent: set the priority to Very High (saved at once)",
            trigger: '.o_form_view div[name="priority"] .o_priority_star[aria-label="Very High"]',
            run: "click",
        },
        {
            content: "The ticket shows the banner of the candidate raised for it",
            trigger: '.o_form_view div[name="major_incident_banner"] div[name="mi_state"]:contains("Candidate")',
        },
        {
            content: "Open the incident from the banner",
            trigger: '.o_form_view div[name="major_incident_banner"] button[name="action_open_major_incident"]',
            run: "click",
        },
        {
            content: "The incident's form: a candidate",
            trigger: '.o_form_view div[name="state"] button[data-value="candidate"][aria-checked="true"]',
        },
        {
            content: "The Incident Manager takes it",
            trigger: '.o_form_view button[name="action_acknowledge"]',
            run: "click",
        },
        {
            content: "Acknowledged: the incident is in triage",
            trigger: '.o_form_view div[name="state"] button[data-value="triage"][aria-checked="true"]',
        },
    ],
});

registry.category("web_tour.tours").add("major_incident_link_resolve_tour", {
    steps: () => [
        {
            content: "The second customer's ticket: link it to the ongoing incident",
            trigger: '.o_form_view button[name="action_link_major_incident"]',
            run: "click",
        },
        {
            content: "The wizard lists the ongoing incidents",
            trigger: '.modal div[name="open_incident_ids"] .o_data_row:contains("Till scanners down")',
        },
        {
            content: "Look for the incident",
            trigger: '.modal div[name="incident_id"] input',
            run: "edit Till scanners",
        },
        {
            content: "Choose it",
            trigger: '.o-autocomplete--dropdown-item:contains("Till scanners down")',
            run: "click",
        },
        {
            content: "Link",
            trigger: '.modal-footer button[name="action_link"]:contains("Link")',
            run: "click",
        },
        {
            content: "The incident opens with its two tickets",
            trigger: '.o_form_view button[name="action_view_tickets"]:contains("2")',
        },
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
            trigger: ".modal-footer button.btn-primary",
            run: "click",
        },
        {
            content: "The incident is resolved",
            trigger: '.o_form_view div[name="state"] button[data-value="resolved"][aria-checked="true"]',
        },
    ],
});
