from odoo.tests import TransactionCase, new_test_user


class MajorIncidentCase(TransactionCase):
    """Users for each role and a company whose Incident Manager on duty is set."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.im = new_test_user(
            cls.env,
            login="mi_test_im",
            name="Irene Manager",
            groups="major_incident.group_mi_manager,helpdesk_mgmt.group_helpdesk_user",
            phone="+1 416 555 0190",
        )
        cls.agent = new_test_user(
            cls.env,
            login="mi_test_agent",
            name="Avery Agent",
            groups="major_incident.group_mi_user,helpdesk_mgmt.group_helpdesk_user",
        )
        cls.mi_admin = new_test_user(
            cls.env,
            login="mi_test_admin",
            name="Ada Admin",
            groups="major_incident.group_mi_admin,helpdesk_mgmt.group_helpdesk_user",
        )
        # A plain support agent: the helpdesk only, no Email Marketing, no major-incident group.
        cls.support_agent = new_test_user(
            cls.env,
            login="mi_test_support_agent",
            name="Sam Support",
            groups="helpdesk_mgmt.group_helpdesk_user",
        )
        cls.it = new_test_user(
            cls.env,
            login="mi_test_it",
            name="Ivan IT",
            groups="major_incident.group_mi_it,helpdesk_mgmt.group_helpdesk_user",
        )
        # Tests choose their Incident Manager: demo rosters would override the company's.
        cls.env["major.incident.roster"].search([]).active = False
        cls.env.company.mi_incident_manager_id = cls.im
        cls.env.company.mi_policy_set_id = cls.env.ref("major_incident.policy_set_sop")
        cls.system = cls.env.ref("major_incident.code_system_vision")
        cls.component = cls.env.ref("major_incident.code_component_vision_server")
        cls.problem = cls.env.ref("major_incident.code_problem_down")

    @classmethod
    def _ticket(cls, **values):
        vals = {"name": "Vision server down", "description": "<p>Bad gateway</p>"}
        vals.update(values)
        return cls.env["helpdesk.ticket"].create(vals)

    @classmethod
    def _candidate(cls, ticket_values=None, **values):
        """The candidate incident a "Very High" ticket raises. ``values`` are the incident's
        own from the start (as an alert source or the declare wizard gives them): the ticket
        is then raised with them rather than through its priority."""
        if not values:
            return cls._ticket(priority="3", **(ticket_values or {})).major_incident_id
        ticket = cls._ticket(**(ticket_values or {}))
        return cls.env["major.incident"]._raise_for_tickets(ticket, "ticket", values)

    @classmethod
    def _incident(cls, ticket_values=None, **values):
        """An incident the Incident Manager declared from a new ticket; ``values`` are then
        written on it by the Incident Manager (severity, control, triage, ...)."""
        ticket = cls._ticket(**(ticket_values or {}))
        ticket.with_user(cls.im).action_declare_major_incident()
        incident = ticket.major_incident_id
        if values:
            incident.with_user(cls.im).write(values)
        return incident

    @classmethod
    def _sop_ladder_people(cls):
        """People for the SOP's levels 2 and 3 (the shipped data leaves them to the installer)."""
        cls.director = new_test_user(
            cls.env,
            login="mi_test_director",
            name="Dora Director",
            groups="major_incident.group_mi_manager",
            phone="+1 416 555 0191",
        )
        cls.vp = new_test_user(
            cls.env,
            login="mi_test_vp",
            name="Victor VP",
            groups="major_incident.group_mi_manager",
            phone="+1 416 555 0192",
        )
        for severity in ("p1", "p2", "p3", "p4"):
            cls.env.ref(f"major_incident.escalation_sop_{severity}_level_2").user_ids = cls.director
            cls.env.ref(f"major_incident.escalation_sop_{severity}_level_3").user_ids = cls.vp

    def _end_transaction(self):
        """What a request's end does to tracking: Odoo tracks the changes of a transaction
        at its commit, and nothing on a record created in the same transaction."""
        self.env.flush_all()
        self.env.cr.precommit.run()

    def _urgent_ticket_tracked(self):
        """A ticket created, then raised to Very High in a later transaction."""
        ticket = self._ticket(priority="1")
        self._end_transaction()
        ticket.write({"priority": "3"})
        self._end_transaction()
        return ticket

    def _run_clocks_cron(self):
        return self.env["major.incident.clock"]._cron_process_due()

    def _code(self, incident):
        """The Incident Manager codes the incident (SOP step 4), as on its form."""
        incident.with_user(self.im).write(
            {
                "system_id": self.system.id,
                "component_id": self.component.id,
                "problem_code_id": self.problem.id,
                "software_version": "4.12.3",
            }
        )
