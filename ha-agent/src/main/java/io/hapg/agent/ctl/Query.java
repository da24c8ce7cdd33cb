package io.hapg.agent.ctl;

import io.hapg.core.model.ClusterView;
import io.hapg.core.model.Member;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;

/**
 * patronictl's {@code query}: runs SQL on the leader (default), a member with {@code --role}, or
 * {@code --member}, over the member's {@code conn_url}, in auto-commit as patronictl does, and
 * prints the last statement's rows ({@code --format tsv} by default, with {@code --delimiter};
 * {@code pretty}, {@code json}, {@code yaml}). The login is libpq's: {@code -U}, else
 * {@code $PGUSER}, else the OS user; the password from {@code --password} (asked, not echoed),
 * else {@code $PGPASSWORD}, else the pgpass file; the database {@code -d}, else
 * {@code $PGDATABASE}, else the user's name. With {@code --role primary|replica} the server must
 * be in that role ({@code pg_is_in_recovery()}).
 *
 * <p>A failure prints patronictl's row ({@code <time>\tERROR, SQLSTATE: 42P01}, or
 * {@code No connection to role=replica is available}) and, unlike patronictl, exits 1, so a
 * script can tell.
 */
final class Query {
    private static final int CONNECT_TIMEOUT_SECONDS = 5;

    private Query() {
    }

    static int query(Session s, CtlArgs args) {
        Optional<String> command = args.value("command");
        Optional<String> file = args.value("file");
        if (command.isPresent() && file.isPresent()) {
            throw CtlException.usage("query: --file and --command are mutually exclusive options");
        }
        if (command.isEmpty() && file.isEmpty()) {
            throw CtlException.usage("query: You need to specify either --command or --file");
        }
        Format format = Format.parse(args.value("format").orElse("tsv"));
        String sql = command.orElseGet(() -> InputFile.read("query", file.get()));
        String delimiter = args.value("delimiter").orElse("\t");
        Optional<Duration> every = Listing.watchInterval(args);
        Properties login = login(s, args);
        int code;
        do {
            code = once(s, args, sql, login, format, delimiter);
            every.ifPresent(ConfigChanges::sleep);
        } while (every.isPresent());
        return code;
    }

    private static int once(Session s, CtlArgs args, String sql, Properties login, Format format, String delimiter) {
        ClusterView view = s.read();
        Optional<Member> member = Listing.chosen(s, view, args, "query");
        String role = args.value("member").isPresent() ? "any" : args.value("role").map(r -> MemberActions.role(args,
                "query")).orElse("leader");
        String unavailable = args.value("member").map(m -> "No connection to member " + m + " is available")
                .orElse("No connection to role=" + role + " is available");
        if (member.isEmpty()) {
            return failed(s, unavailable, delimiter);
        }
        URI url = Listing.address(member.get());
        String jdbc = "jdbc:postgresql://" + url.getHost() + ":" + (url.getPort() > 0 ? url.getPort() : 5432) + "/"
                + URLEncoder.encode(database(s, args, login), StandardCharsets.UTF_8);
        try (Connection c = DriverManager.getConnection(jdbc, login)) {
            if (!inRole(c, role)) {
                return failed(s, unavailable, delimiter);
            }
            try (Statement st = c.createStatement()) {
                Result last = run(st, sql);
                print(s, last, format, delimiter);
            }
            return 0;
        } catch (SQLException e) {
            String state = e.getSQLState() != null ? e.getSQLState() : String.valueOf(e.getMessage());
            return failed(s, "ERROR, SQLSTATE: " + state.replace('\n', ' '), delimiter);
        }
    }

    /** The columns and rows of the last statement that returned rows; empty when none did. */
    private record Result(List<String> columns, List<List<Object>> rows) {
    }

    private static Result run(Statement st, String sql) throws SQLException {
        Result last = new Result(List.of(), List.of());
        boolean rows = st.execute(sql);
        while (true) {
            if (rows) {
                try (ResultSet rs = st.getResultSet()) {
                    last = read(rs);
                }
            } else if (st.getUpdateCount() == -1) {
                return last;
            }
            rows = st.getMoreResults();
        }
    }

    private static Result read(ResultSet rs) throws SQLException {
        ResultSetMetaData meta = rs.getMetaData();
        List<String> columns = new ArrayList<>();
        for (int i = 1; i <= meta.getColumnCount(); i++) {
            columns.add(meta.getColumnLabel(i));
        }
        List<List<Object>> rows = new ArrayList<>();
        while (rs.next()) {
            List<Object> row = new ArrayList<>();
            for (int i = 1; i <= columns.size(); i++) {
                Object v = rs.getObject(i);
                row.add(v == null || v instanceof Boolean || v instanceof Number ? v : rs.getString(i));
            }
            rows.add(row);
        }
        return new Result(columns, rows);
    }

    private static boolean inRole(Connection c, String role) throws SQLException {
        if (role.equals("any") || role.equals("leader")) {
            return true;
        }
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT pg_catalog.pg_is_in_recovery()")) {
            rs.next();
            return rs.getBoolean(1) == role.equals("replica");
        }
    }

    private static void print(Session s, Result r, Format format, String delimiter) {
        if (r.columns().isEmpty()) {
            return;
        }
        switch (format) {
            case JSON:
                s.out().print(Format.json(r.columns(), r.rows(), false));
                break;
            case YAML:
                s.out().print(Format.yaml(r.columns(), r.rows(), false));
                break;
            case PRETTY:
                Table t = new Table(r.columns(), Set.of());
                r.rows().forEach(row -> t.row(row.stream().map(Query::python).toList()));
                s.out().print(t.render(""));
                break;
            default:
                s.out().println(String.join(delimiter, r.columns()));
                r.rows().forEach(row -> s.out().println(String.join(delimiter, row.stream().map(Query::python)
                        .toList())));
        }
    }

    /** A value as Python's {@code str()} prints it, as patronictl's tsv and pretty do. */
    private static String python(Object v) {
        if (v == null) {
            return "None";
        }
        if (v instanceof Boolean) {
            return (Boolean) v ? "True" : "False";
        }
        return v.toString();
    }

    private static int failed(Session s, String message, String delimiter) {
        String stamp = s.timestamp();
        s.out().println(stamp.substring(0, Math.min(19, stamp.length())) + delimiter + message);
        return CtlException.FAILED;
    }

    /** libpq's defaults, as patronictl's psycopg connection gets them. */
    private static Properties login(Session s, CtlArgs args) {
        Properties p = new Properties();
        String user = args.value("username").or(() -> s.env("PGUSER")).orElse(System.getProperty("user.name"));
        p.setProperty("user", user);
        Optional<String> password = args.flag("password") ? Optional.of(s.secret("Password", "Aborting query"))
                : s.env("PGPASSWORD");
        password.ifPresent(v -> p.setProperty("password", v));
        p.setProperty("connectTimeout", Integer.toString(CONNECT_TIMEOUT_SECONDS));
        p.setProperty("ApplicationName", "hactl");
        return p;
    }

    private static String database(Session s, CtlArgs args, Properties login) {
        return args.value("dbname").or(() -> s.env("PGDATABASE")).orElse(login.getProperty("user"));
    }
}
