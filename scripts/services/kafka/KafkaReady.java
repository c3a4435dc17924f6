// Readiness probe for the local Kafka broker: a real metadata request through the
// Kafka AdminClient (describeCluster + listTopics). Exit 0 when the broker answers.
// Usage: java -cp '<kafka lib>/*:<dir of this class>' KafkaReady 127.0.0.1:9092 [timeoutMs]
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

public class KafkaReady {
    public static void main(String[] args) throws Exception {
        String bootstrap = args.length > 0 ? args[0] : "127.0.0.1:9092";
        int timeoutMs = args.length > 1 ? Integer.parseInt(args[1]) : 5000;
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, timeoutMs);
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, timeoutMs);
        p.put(AdminClientConfig.CLIENT_ID_CONFIG, "intraday-services-ready");
        try (Admin admin = Admin.create(p)) {
            var cluster = admin.describeCluster();
            int nodes = cluster.nodes().get(timeoutMs, TimeUnit.MILLISECONDS).size();
            String clusterId = cluster.clusterId().get(timeoutMs, TimeUnit.MILLISECONDS);
            int topics = admin.listTopics().names().get(timeoutMs, TimeUnit.MILLISECONDS).size();
            System.out.println("kafka ready: cluster=" + clusterId + " brokers=" + nodes + " topics=" + topics);
            System.exit(nodes > 0 ? 0 : 1);
        } catch (Exception e) {
            System.err.println("kafka not ready: " + e);
            System.exit(1);
        }
    }
}
