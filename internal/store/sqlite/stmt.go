package sqlite

import (
	"context"
	"database/sql"
	"sync"
)

// SQLite parses a statement each time it is run unprepared, and parsing costs more than
// running most of vidb's statements. The queriers below prepare each distinct statement once:
// per connection for the read pool, per transaction for a writer's transaction (the writer's
// one connection is held by the transaction, so statements cannot be prepared on the pool).

// maxCachedStmts bounds the statements a read pool keeps prepared; statements beyond it (IN
// lists of unusual lengths) are run unprepared.
const maxCachedStmts = 512

// poolQuerier runs statements on a pool, preparing each once.
type poolQuerier struct {
	db *sql.DB

	mu    sync.Mutex
	stmts map[string]*sql.Stmt
}

func newPoolQuerier(db *sql.DB) *poolQuerier {
	return &poolQuerier{db: db, stmts: map[string]*sql.Stmt{}}
}

// stmt returns the prepared statement for query, or nil to run it unprepared.
func (p *poolQuerier) stmt(ctx context.Context, query string) *sql.Stmt {
	p.mu.Lock()
	st, ok := p.stmts[query]
	full := len(p.stmts) >= maxCachedStmts
	p.mu.Unlock()
	if ok || full {
		return st
	}
	st, err := p.db.PrepareContext(ctx, query)
	if err != nil {
		return nil // running it unprepared reports the error
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if held, ok := p.stmts[query]; ok {
		st.Close()
		return held
	}
	p.stmts[query] = st
	return st
}

func (p *poolQuerier) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st := p.stmt(ctx, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return p.db.ExecContext(ctx, query, args...)
}

func (p *poolQuerier) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := p.stmt(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return p.db.QueryContext(ctx, query, args...)
}

func (p *poolQuerier) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st := p.stmt(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return p.db.QueryRowContext(ctx, query, args...)
}

func (p *poolQuerier) PrepareContext(ctx context.Context, query string) (*sql.Stmt, error) {
	return p.db.PrepareContext(ctx, query)
}

// close closes the prepared statements.
func (p *poolQuerier) close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for q, st := range p.stmts {
		st.Close()
		delete(p.stmts, q)
	}
}

// txQuerier runs statements in a transaction, preparing each once per transaction; the
// statements close with the transaction.
type txQuerier struct {
	tx *sql.Tx

	mu    sync.Mutex
	stmts map[string]*sql.Stmt
}

func newTxQuerier(tx *sql.Tx) *txQuerier {
	return &txQuerier{tx: tx, stmts: map[string]*sql.Stmt{}}
}

func (q *txQuerier) stmt(ctx context.Context, query string) *sql.Stmt {
	q.mu.Lock()
	defer q.mu.Unlock()
	if st, ok := q.stmts[query]; ok {
		return st
	}
	st, err := q.tx.PrepareContext(ctx, query)
	if err != nil {
		return nil // running it unprepared reports the error
	}
	q.stmts[query] = st
	return st
}

func (q *txQuerier) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st := q.stmt(ctx, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return q.tx.ExecContext(ctx, query, args...)
}

func (q *txQuerier) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := q.stmt(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return q.tx.QueryContext(ctx, query, args...)
}

func (q *txQuerier) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st := q.stmt(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return q.tx.QueryRowContext(ctx, query, args...)
}

func (q *txQuerier) PrepareContext(ctx context.Context, query string) (*sql.Stmt, error) {
	return q.tx.PrepareContext(ctx, query)
}
