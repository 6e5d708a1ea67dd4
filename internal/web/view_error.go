package web

// ErrorData is the error page's content.
type ErrorData struct {
	Status  int
	Title   string
	Message string
	// Detail is the server's own explanation, in English; shown on
	// English pages only.
	Detail string
}
