import { useCallback, useEffect, useState } from 'react';
import { ActivityIndicator, Button, FlatList, StyleSheet, Text, View } from 'react-native';
import { describeError, listCatalog, type Product, sendReceipt, startPayment } from './app/shop-api';

type Status =
  | { kind: 'idle' }
  | { kind: 'busy' }
  | { kind: 'done'; text: string }
  | { kind: 'failed'; text: string };

function price(cents: number): string {
  return `${(cents / 100).toFixed(2)} €`;
}

/** The shop of the seed scenario: browse (public), pay (signed), e-mail the receipt. */
export default function App() {
  const [products, setProducts] = useState<Product[] | null>(null);
  const [status, setStatus] = useState<Status>({ kind: 'idle' });

  const fail = useCallback((error: unknown) => {
    const { message, hint } = describeError(error);
    if (hint !== undefined) console.warn('[shop]', hint);
    setStatus({ kind: 'failed', text: message });
  }, []);

  useEffect(() => {
    listCatalog().then(setProducts, fail);
  }, [fail]);

  const buy = useCallback(
    async (product: Product) => {
      setStatus({ kind: 'busy' });
      try {
        const session = await startPayment(product.price);
        await sendReceipt('customer@example.com', session.sessionId);
        setStatus({ kind: 'done', text: `Paid ${price(session.amount)}; receipt on its way.` });
      } catch (error) {
        fail(error);
      }
    },
    [fail],
  );

  return (
    <View style={styles.screen}>
      <Text style={styles.title}>Shop</Text>
      {products === null ? (
        <ActivityIndicator />
      ) : (
        <FlatList
          data={products}
          keyExtractor={(product) => product.sku}
          renderItem={({ item }) => (
            <View style={styles.row}>
              <Text style={styles.item}>
                {item.sku} · {price(item.price)}
              </Text>
              <Button title="Buy" disabled={status.kind === 'busy'} onPress={() => void buy(item)} />
            </View>
          )}
        />
      )}
      {status.kind === 'busy' && <ActivityIndicator />}
      {(status.kind === 'done' || status.kind === 'failed') && (
        <Text style={status.kind === 'failed' ? styles.error : styles.ok}>{status.text}</Text>
      )}
    </View>
  );
}

const styles = StyleSheet.create({
  screen: { flex: 1, padding: 24, paddingTop: 64 },
  title: { fontSize: 28, fontWeight: '600', marginBottom: 16 },
  row: { flexDirection: 'row', alignItems: 'center', justifyContent: 'space-between', paddingVertical: 8 },
  item: { fontSize: 18 },
  ok: { color: '#1b5e20', marginTop: 16 },
  error: { color: '#b71c1c', marginTop: 16 },
});
