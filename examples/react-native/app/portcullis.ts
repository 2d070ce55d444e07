import * as AppIntegrity from '@expo/app-integrity';
import * as Crypto from '@pagopa/io-react-native-crypto';
import * as Integrity from '@pagopa/io-react-native-integrity';
import {
  type AttestationProvider,
  createAndroidProvider,
  createAppAttestProvider,
  createDebugProvider,
  createPortcullis,
  expoAppIntegrityBridges,
  expoSecureStoreStorage,
  pagopaIntegrityBridges,
} from '@portcullis/client';
import * as SecureStore from 'expo-secure-store';
import { Platform } from 'react-native';

/** The shield in front of the shop's backend (EXPO_PUBLIC_ variables are inlined at build time). */
const SHIELD_URL = process.env['EXPO_PUBLIC_SHIELD_URL'] ?? 'https://shield.shop.example';
/** Simulator, emulator, CI and device-farm builds only: never set it for a store build. */
const DEBUG_TOKEN = process.env['EXPO_PUBLIC_PORTCULLIS_DEBUG_TOKEN'];

function provider(): AttestationProvider {
  if (DEBUG_TOKEN !== undefined && DEBUG_TOKEN !== '') return createDebugProvider({ token: DEBUG_TOKEN });
  const storage = expoSecureStoreStorage(SecureStore);
  if (Platform.OS === 'ios') {
    return createAppAttestProvider({ bridge: expoAppIntegrityBridges(AppIntegrity).appAttest, storage });
  }
  // Android: the PagoPA pair attests a Keystore key and signs with it, so payments carry a proof
  // and refreshes are assertions (Expo's module attests but cannot sign).
  const android = pagopaIntegrityBridges(Integrity, { crypto: Crypto });
  return createAndroidProvider({ keyAttestation: android.androidKey, storage });
}

/** The app's one client: the token lives in it, in memory, for the app's lifetime. */
export const portcullis = createPortcullis({
  baseUrl: SHIELD_URL,
  appId: 'shop',
  provider: provider(),
  publicRoutes: [{ methods: ['GET'], path: '/catalog' }],
  proofRoutes: [{ methods: ['POST'], path: '/payments/session' }],
  onEvent: (event) => {
    if (__DEV__ || event.type === 'warning') console.log('[portcullis]', event);
  },
});
