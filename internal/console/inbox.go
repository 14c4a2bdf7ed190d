package console

import (
	"net/http"
	"time"

	"github.com/spro-cep/cep/internal/cases"
	"github.com/spro-cep/cep/internal/fr"
	"github.com/spro-cep/cep/models"
)

type inboxItem struct {
	cases.InboxItem
	Late, Soon bool
	Left       string
	Key        string
}

type inboxData struct {
	Items   []inboxItem
	Reasons []fr.Option
}

// inboxPage is the partner structure's inbox: the hand-offs waiting for its answer,
// oldest first, with the time left before they expire.
func (c *Console) inboxPage(w http.ResponseWriter, r *http.Request) {
	items, err := c.cases.Inbox(r.Context(), c.caller(r))
	if err != nil {
		c.serverError(w, r, err)
		return
	}
	now := time.Now()
	d := inboxData{Reasons: fr.Options(fr.DeclineReason, cases.Vocab().DeclineReasons)}
	for _, it := range items {
		due := it.Handoff.DueAt
		d.Items = append(d.Items, inboxItem{InboxItem: it, Late: due.Before(now), Soon: !due.Before(now) && due.Sub(now) < soon,
			Left: fr.Until(due, now), Key: newKey()})
	}
	c.render(w, r, http.StatusOK, "orientations", page{Title: "Orientations reçues", Data: d})
}

type notificationView struct {
	models.Notification
	Label string
}

func (c *Console) notificationsPage(w http.ResponseWriter, r *http.Request) {
	list, err := c.cases.Notifications(r.Context(), c.caller(r), cases.NotificationQuery{Page: cases.Page{Size: 100}})
	if err != nil {
		c.serverError(w, r, err)
		return
	}
	var items []notificationView
	for _, n := range list.Items {
		items = append(items, notificationView{Notification: n, Label: fr.Label(fr.Notification, n.Kind)})
	}
	c.render(w, r, http.StatusOK, "notifications", page{Title: "Notifications", Data: struct {
		Items []notificationView
		Total int64
	}{items, list.Total}})
}
