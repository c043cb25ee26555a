import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_utils";

registry.category("web_tour.tours").add("major_incident_tour", {
    url: "/odoo",
    steps: () => [
        stepUtils.showAppsMenuItem(),
        {
            content: "Open the Helpdesk app",
            trigger: '.o_app[data-menu-xmlid="helpdesk_mgmt.helpdesk_ticket_main_menu"]',
            run: "click",
        },
        {
            content: "Open the Major Incidents menu",
            trigger: '[data-menu-xmlid="major_incident.menu_major_incident_root"]',
            run: "click",
        },
        {
            content: "Go to the incidents board",
            trigger: '[data-menu-xmlid="major_incident.menu_major_incidents"]',
            run: "click",
        },
        {
            content: "Open the Vision server outage",
            trigger: '.o_kanban_record:contains("Vision Server")',
            run: "click",
        },
        {
            content: "It is being investigated",
            trigger: 'div[name="mi_state"] button.o_arrow_button_current:contains("Investigating")',
        },
        {
            content: "Its recovery clock is shown",
            trigger: 'div[name="mi_clock_ids"] td:contains("Recovery (RTO)")',
        },
        {
            content: "A workaround is in place",
            trigger: 'button[name="action_mitigate"]',
            run: "click",
        },
        {
            content: "The incident is now mitigating",
            trigger: 'div[name="mi_state"] button.o_arrow_button_current:contains("Mitigating")',
        },
    ],
});
