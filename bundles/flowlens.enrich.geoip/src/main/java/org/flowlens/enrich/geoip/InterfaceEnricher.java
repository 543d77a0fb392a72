package org.flowlens.enrich.geoip;

import java.util.Arrays;
import java.util.Map;

import org.flowlens.api.config.Configs;
import org.flowlens.api.config.ConfigurationCheck;
import org.flowlens.api.enrich.InterfaceDirectory;
import org.flowlens.api.enrich.InterfaceInfo;
import org.flowlens.api.flow.FlowBatch;
import org.flowlens.api.flow.FlowRecord;
import org.flowlens.api.pipeline.FlowEnricher;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Names the input and output interfaces of records from a configured table (exporter + ifIndex →
 * name, speed) and answers the table to the console and exporters. A name the exporter sent
 * itself is kept.
 */
@Component(service = {FlowEnricher.class, InterfaceDirectory.class, ConfigurationCheck.class}, configurationPid = InterfaceEnricher.PID,
        property = {"service.ranking:Integer=190", ConfigurationCheck.PID + "=" + InterfaceEnricher.PID})
@Designate(ocd = InterfaceEnricher.Config.class)
public class InterfaceEnricher implements FlowEnricher, InterfaceDirectory, ConfigurationCheck {
    static final String PID = "flowlens.enrich.interfaces";
    private static final Logger LOG = LoggerFactory.getLogger(InterfaceEnricher.class);

    @ObjectClassDefinition(name = "Flowlens interface names",
            description = "Names and line rates of the exporters' interfaces, so flows show interface names and the console and "
                    + "Prometheus can show utilisation in percent. Changes apply live.")
    public @interface Config {
        @AttributeDefinition(name = "Interfaces", description = "One entry per interface: exporter,ifIndex,name[,speed]. The exporter "
                + "is the IP address the flows come from, or * for every exporter; the speed is in bit/s, with an optional k, M, G "
                + "or T suffix (100M, 10G). Several entries may share one value, separated by ';'. "
                + "Example: 192.0.2.1,3,ge-0/0/3,10G; *,1,uplink,1G")
        String[] interfaces() default {};
    }

    private volatile InterfaceTable table = InterfaceTable.EMPTY;

    @Activate
    public InterfaceEnricher(Config config) {
        apply(config);
    }

    @Modified
    void modified(Config config) {
        apply(config);
    }

    private void apply(Config config) {
        try {
            InterfaceTable next = InterfaceTable.parse(Arrays.asList(config.interfaces() == null ? new String[0] : config.interfaces()));
            table = next;
            LOG.info("Interface table: {} interfaces", next.size());
        } catch (IllegalArgumentException e) {
            LOG.error("Refused interface configuration: {}; keeping the last good one ({} interfaces)", e.getMessage(), table.size());
        }
    }

    @Override
    public void enrich(FlowBatch batch) {
        InterfaceTable t = table;
        if (t.size() == 0) {
            return;
        }
        for (int i = 0, n = batch.size(); i < n; i++) {
            FlowRecord r = batch.get(i);
            if (r.inIfName() == null && r.inIf() != 0) {
                InterfaceInfo info = t.find(r.exporterHi(), r.exporterLo(), r.inIf());
                if (info != null) {
                    r.inIfName(info.name());
                }
            }
            if (r.outIfName() == null && r.outIf() != 0) {
                InterfaceInfo info = t.find(r.exporterHi(), r.exporterLo(), r.outIf());
                if (info != null) {
                    r.outIfName(info.name());
                }
            }
        }
    }

    @Override
    public InterfaceInfo find(long exporterHi, long exporterLo, int ifIndex) {
        return table.find(exporterHi, exporterLo, ifIndex);
    }

    /** Whether {@code modified} would take these properties. */
    @Override
    public String problem(String pid, Map<String, Object> properties) {
        String[] names = Configs.of(Config.class, properties).interfaces();
        return ConfigurationCheck.problem(() -> InterfaceTable.parse(Arrays.asList(names == null ? new String[0] : names)));
    }
}
