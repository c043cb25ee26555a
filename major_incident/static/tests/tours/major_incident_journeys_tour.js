import { registry } from "@web/core/registry";

// The three daily journeys, each walked by its role (tests/test_ui.py starts them):
// - the support agent raises an urgent ticket and links a second customer's ticket to it;
// - the Incident Manager takes a candidate through to its resolution confirmation;
// - the Incident Manager resolves a brief interruption and still communicates it.

function stateIs(state) {
    return {
        content: `The incident is ${state}`,
        trigger: `.o_form_view .o_statusbar_status button[data-value="${state}"][aria-checked="true"]`,
    };
}

function headerButton(label) {
    return `.o_form_view .o_statusbar_buttons button:contains("${label}")`;
}

function pickMany2one(selector, search, label, content) {
    return [
        { content, trigger: `${selector} input`, run: `edit ${search}` },
        { content: `Choose ${label}`, trigger: `.o-autocomplete--dropdown-item:contains("${label}")`, run: "click" },
        { content: `${label} chosen`, trigger: `${selector} input:value("${label}")` },
    ];
}

const dialogClosed = { content: "The dialog is closed", trigger: "body:not(:has(.modal))" };

// Acknowledge the candidate, then code it on the "Triage & coding" page (SOP step 4).
function acknowledgeAndCodeSteps({ system, component, problem, version }) {
    return [
        stateIs("candidate"),
        {
            content: "The Incident Manager takes the candidate",
            trigger: '.o_form_view button[name="action_acknowledge"]',
            run: "click",
        },
        stateIs("triage"),
        {
            content: "Coding is required to leave triage",
            trigger: '.o_form_view .alert-warning:contains("required to leave triage")',
        },
        ...pickMany2one('.o_form_view div[name="system_id"]', system, system, "Code the system"),
        ...pickMany2one('.o_form_view div[name="component_id"]', component, component, "Code the component"),
        ...pickMany2one('.o_form_view div[name="problem_code_id"]', problem, problem, "Code the problem"),
        {
            content: "Software version",
            trigger: '.o_form_view div[name="software_version"] input',
            run: `edit ${version}`,
        },
    ];
}

// Resolve (a confirmation names the brief-interruption rule) and confirm.
function resolveSteps() {
    return [
        {
            content: "Service is restored: resolve",
            trigger: '.o_form_view button[name="action_resolve"]',
            run: "click",
        },
        {
            content: "The confirmation names the 15-minute brief-interruption rule",
            trigger: '.modal:contains("brief-interruption time of detection (SOP 1.3: 15 minutes)")',
        },
        {
            content: "Confirm",
            trigger: ".modal-footer button.btn-primary",
            run: "click",
        },
        dialogClosed,
    ];
}

// Send the update the wizard opened with: check what it composes and its preview, fill in
// ``texts`` ({field name: text}), Send.
function sendUpdateSteps({ kind, subject, texts }) {
    return [
        {
            content: `The wizard composes the ${kind}`,
            trigger: `.modal div[name="kind"] input:value("${kind}")`,
        },
        {
            content: "Somebody on the audience can be reached: the preview names its first reader",
            trigger: '.modal div[name="preview_recipient"]:contains("@")',
        },
        ...Object.entries(texts).flatMap(([name, text]) => [
            {
                content: `Write the ${name.replace("_", " ")}`,
                trigger: `.modal div[name="${name}"] textarea`,
                run: `edit ${text}`,
            },
            {
                content: "Leave the field",
                trigger: ".modal .modal-title",
                run: "click",
            },
            {
                content: "The preview follows what is written",
                trigger: `.modal div[name="preview_body"]:contains("${text}")`,
            },
        ]),
        {
            content: "The preview shows the e-mail as its first reader gets it",
            trigger: `.modal div[name="preview_subject"]:contains("${subject}")`,
        },
        {
            content: "No rendering error",
            trigger: '.modal:not(:has(div[name="preview_error"]))',
        },
        {
            content: "Send",
            trigger: '.modal button[name="action_send"]',
            run: "click",
        },
        dialogClosed,
    ];
}

function communicationsShow(kinds) {
    return [
        {
            content: "Open the Communications page",
            trigger: '.o_form_view .o_notebook .nav-link[name="communications"]',
            run: "click",
        },
        ...kinds.map((kind) => ({
            content: `The ${kind} is on the record`,
            trigger: `.o_form_view div[name="update_ids"] .o_data_row:contains("${kind}")`,
        })),
        {
            content: `${kinds.length} update(s) sent`,
            trigger: `.o_form_view div[name="update_ids"] .o_data_row:count(${kinds.length})`,
        },
    ];
}

// 1. The support agent (helpdesk user + major-incident user).
registry.category("web_tour.tours").add("major_incident_agent_journey_tour", {
    steps: () => [
        {
            content: "The helpdesk's tickets: create one",
            trigger: ".o_list_view .o_list_button_add",
            run: "click",
        },
        {
            content: "Title",
            trigger: '.o_form_view div[name="name"] input',
            run: "edit POS terminals offline in every Northwind store",
        },
        ...pickMany2one('.o_form_view div[name="partner_id"]', "Aisha", "Aisha Kamara", "The customer who called"),
        {
            content: "What the customer reports",
            trigger: '.o_form_view .o_field_html[name="description"] .odoo-editor-editable',
            run: "editor No store can take a payment since 8:40.",
        },
        {
            content: "Urgent: priority Very High (the priority widget saves the ticket)",
            trigger: '.o_form_view div[name="priority"] .o_priority_star[aria-label="Very High"]',
            run: "click",
        },
        {
            content: "Saved: the ticket has its number",
            trigger: '.o_form_view div[name="number"]:contains("HT")',
        },
        {
            content: "The ticket shows the banner of the candidate raised for it",
            trigger: '.o_form_view div[name="major_incident_banner"] div[name="mi_state"]:contains("Candidate")',
        },
        {
            content: "The banner names the incident",
            trigger: '.o_form_view div[name="major_incident_banner"] div[name="major_incident_id"]:contains("MI-")',
        },
        {
            content: "Back to the tickets",
            trigger: ".o_breadcrumb .breadcrumb-item a:contains(Tickets)",
            run: "click",
        },
        {
            content: "A second customer's ticket about the same outage",
            trigger: '.o_list_view .o_data_row td[name="name"]:contains("Our tills cannot take cards")',
            run: "click",
        },
        {
            content: "Link it to the major incident",
            trigger: '.o_form_view button[name="action_link_major_incident"]',
            run: "click",
        },
        {
            content: "The wizard lists the ongoing incident",
            trigger: '.modal div[name="open_incident_ids"] .o_data_row:contains("POS terminals offline")',
        },
        ...pickMany2one(
            '.modal div[name="incident_id"]',
            "POS terminals",
            "POS terminals offline in every Northwind store",
            "Look for the incident"
        ),
        {
            content: "Link",
            trigger: '.modal-footer button[name="action_link"]:contains("Link")',
            run: "click",
        },
        {
            content: "The incident opens with its two tickets",
            trigger: '.o_form_view button[name="action_view_tickets"]:contains("2")',
        },
        stateIs("candidate"),
    ],
});

// 2. The Incident Manager: acknowledge, code, bridge, initial and progress updates,
// resolve, resolution confirmation.
registry.category("web_tour.tours").add("major_incident_manager_journey_tour", {
    steps: () => [
        ...acknowledgeAndCodeSteps({
            system: "Kiosk",
            component: "Kiosk UI",
            problem: "UI error",
            version: "Kiosk UI 7.2.0",
        }),
        {
            content: "Open the bridge call",
            trigger: '.o_form_view button[name="action_open_bridge_wizard"]',
            run: "click",
        },
        {
            content: "The bridge wizard invites the Incident Manager",
            trigger: '.modal div[name="called_partner_ids"]:contains("Dana Whitfield")',
        },
        {
            content: "Open Bridge",
            trigger: '.modal button[name="action_open_bridge"]',
            run: "click",
        },
        dialogClosed,
        {
            content: "The bridge is open: it can be extended",
            trigger: '.o_form_view button[name="action_extend_bridge"]',
        },
        {
            content: "The bridge call is on the incident",
            trigger: '.o_form_view div[name="bridge_event_id"]:contains("Bridge")',
        },
        {
            content: "Send the initial notification",
            trigger: headerButton("Send Update"),
            run: "click",
        },
        ...sendUpdateSteps({
            kind: "Initial notification",
            subject: "Incident Notification",
            texts: { impact: "Checkout kiosks show an error screen; no order can be placed." },
        }),
        ...communicationsShow(["Initial notification"]),
        {
            content: "Send a progress update",
            trigger: headerButton("Send Update"),
            run: "click",
        },
        ...sendUpdateSteps({
            kind: "Progress update",
            subject: "Incident Update",
            texts: {
                findings: "The kiosk UI release of last night fails on the payment screen.",
                actions_taken: "Release rolled back on the first store.",
                next_steps: "Roll back every store, then confirm with the store managers.",
            },
        }),
        ...communicationsShow(["Initial notification", "Progress update"]),
        {
            content: "Back to the Triage & coding page",
            trigger: '.o_form_view .o_notebook .nav-link[name="triage"]',
            run: "click",
        },
        {
            content: "Say how service was restored",
            trigger: '.o_form_view div[name="resolution_note"] textarea',
            run: "edit Kiosk UI 7.2.0 rolled back to 7.1.0 in every store.",
        },
        ...resolveSteps(),
        stateIs("resolved"),
        {
            content: "Send the resolution confirmation",
            trigger: headerButton("Send Resolution Confirmation"),
            run: "click",
        },
        ...sendUpdateSteps({
            kind: "Resolution confirmation",
            subject: "Incident Resolved",
            texts: {
                root_cause: "A kiosk UI release with a broken payment screen.",
                preventive_measures: "Payment screen added to the release smoke tests.",
            },
        }),
        ...communicationsShow(["Initial notification", "Progress update", "Resolution confirmation"]),
    ],
});

// 3. The Incident Manager: a brief interruption (resolved within 15 minutes of detection).
registry.category("web_tour.tours").add("major_incident_brief_interruption_tour", {
    steps: () => [
        ...acknowledgeAndCodeSteps({
            system: "Vision Platform",
            component: "API Gateway",
            problem: "Service down",
            version: "Gateway 1.9",
        }),
        ...resolveSteps(),
        stateIs("cancelled"),
        {
            content: "Recorded as a brief interruption",
            trigger: '.o_form_view div[name="cancel_reason"]:contains("Brief interruption")',
        },
        {
            content: "No post-mortem is offered",
            trigger: '.o_form_view .o_statusbar_buttons:not(:has(button[name="action_open_postmortem"]))',
        },
        {
            content: "The resolution is still communicated",
            trigger: headerButton("Send Resolution Confirmation"),
            run: "click",
        },
        ...sendUpdateSteps({
            kind: "Resolution confirmation",
            subject: "Incident Resolved",
            texts: { root_cause: "An API gateway pod restarted; service recovered within minutes." },
        }),
        ...communicationsShow(["Resolution confirmation"]),
    ],
});
