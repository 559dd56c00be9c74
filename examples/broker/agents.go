package main

import "github.com/orgsync/orgsync/broker"

// agentClients returns the broker's agent clients (nil when none are
// configured: the agent routes then answer 404).
func agentClients(b *broker.Broker, cs []agentClientConfig) (*broker.Agents, error) {
	if len(cs) == 0 {
		return nil, nil
	}
	var acs []broker.AgentClient
	for _, c := range cs {
		full := 2
		if c.FullSyncHour != nil {
			full = *c.FullSyncHour
		}
		acs = append(acs, broker.AgentClient{Name: c.Name, FullSyncHour: full})
	}
	return broker.NewAgents(b, acs...)
}
